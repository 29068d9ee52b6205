// Package azuritetest starts a private Azurite (the Azure Storage emulator)
// for a test, on free loopback ports, and stops it in the test's cleanup.
//
// The binary is found through AZURITE_BIN, node_modules/.bin/azurite at the
// repository root (what `npm ci` installs), or PATH. Without it a test is
// skipped, or fails when CI is set: `make test` installs it.
package azuritetest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// accountKey is the published key of Azurite's development account
// devstoreaccount1. It only ever opens a local emulator.
const accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// Server is a running Azurite.
type Server struct {
	t                              testing.TB
	bin                            string
	blobPort, queuePort, tablePort int
	logPath                        string
	cmd                            *exec.Cmd
	exited                         chan struct{}
	// location is the data directory of an on-disk Azurite; empty for
	// an in-memory one.
	location string
}

// Start runs an in-memory Azurite for the rest of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: run `make test`, which installs it with npm ci", err)
		}
		t.Skipf("%v: run `make test`, which installs it with npm ci", err)
	}
	dir := t.TempDir()
	s := &Server{t: t, bin: bin, logPath: filepath.Join(dir, "azurite.log")}
	t.Cleanup(s.Stop)
	s.startOnFreePorts()
	return s
}

// StartOnDisk runs an Azurite that keeps its data in a directory, so that
// it can be stopped gracefully and started again with its data (Restart).
func StartOnDisk(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: run `make test`, which installs it with npm ci", err)
		}
		t.Skipf("%v: run `make test`, which installs it with npm ci", err)
	}
	dir := t.TempDir()
	s := &Server{t: t, bin: bin, logPath: filepath.Join(dir, "azurite.log"), location: filepath.Join(dir, "data")}
	t.Cleanup(s.Stop)
	s.startOnFreePorts()
	return s
}

// StopGracefully stops Azurite with SIGINT, which lets an on-disk one save
// its data (it otherwise saves only every few seconds), and waits for it.
func (s *Server) StopGracefully() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
}

// Restart starts a stopped Azurite again on the same ports.
func (s *Server) Restart() {
	s.t.Helper()
	s.start()
}

// Binary finds the azurite executable.
func Binary() (string, error) {
	if b := os.Getenv("AZURITE_BIN"); b != "" {
		return b, nil
	}
	if dir, err := os.Getwd(); err == nil {
		for ; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				b := filepath.Join(dir, "node_modules", ".bin", "azurite")
				if _, err := os.Stat(b); err == nil {
					return b, nil
				}
				break
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	if b, err := exec.LookPath("azurite"); err == nil {
		return b, nil
	}
	return "", errors.New("azurite not found (AZURITE_BIN, node_modules/.bin/azurite, PATH)")
}

// start runs Azurite on s's ports and waits until it listens.
func (s *Server) start() {
	s.t.Helper()
	if err := s.tryStart(); err != nil {
		s.t.Fatal(err)
	}
}

// startOnFreePorts starts Azurite on fresh free ports, again on other ports
// if another process took one of them between picking and binding.
func (s *Server) startOnFreePorts() {
	s.t.Helper()
	for attempt := 1; ; attempt++ {
		s.pickPorts()
		err := s.tryStart()
		if err == nil {
			return
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			s.t.Fatal(err)
		}
	}
}

// errPortTaken: Azurite could not bind one of its ports.
var errPortTaken = errors.New("a port was taken")

func (s *Server) tryStart() error {
	args := []string{
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(s.blobPort),
		"--queueHost", "127.0.0.1", "--queuePort", strconv.Itoa(s.queuePort),
		"--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(s.tablePort),
		"--skipApiVersionCheck", "--silent",
	}
	if s.location != "" {
		args = append(args, "--location", s.location)
	} else {
		args = append(args, "--inMemoryPersistence")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	// This start's own lines begin here: the log keeps earlier starts'.
	var from int64
	if fi, err := logf.Stat(); err == nil {
		from = fi.Size()
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so Stop ends node's children too
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start azurite: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); logf.Close(); close(done) }(cmd, s.exited)
	deadline := time.Now().Add(60 * time.Second)
	for _, p := range []int{s.blobPort, s.queuePort} {
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-s.exited:
				s.cmd = nil
				log, _ := os.ReadFile(s.logPath)
				log = log[min(from, int64(len(log))):]
				if strings.Contains(string(log), "EADDRINUSE") {
					return fmt.Errorf("%w: azurite exited at start:\n%s", errPortTaken, log)
				}
				return fmt.Errorf("azurite exited at start:\n%s", log)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("azurite did not listen on port %d within 60 s", p)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// Stop kills Azurite's process group: its data is in memory, and a graceful
// stop waits for clients' keep-alive connections. Safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// ConnectionString reaches this Azurite's development account.
func (s *Server) ConnectionString() string {
	return s.ConnectionStringVia(s.QueueAddr())
}

// QueueAddr is the queue service's host:port.
func (s *Server) QueueAddr() string { return "127.0.0.1:" + strconv.Itoa(s.queuePort) }

// ConnectionStringVia is ConnectionString with the queue service reached
// at queueAddr instead (a Proxy, to make the queue fail).
func (s *Server) ConnectionStringVia(queueAddr string) string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"+
		"BlobEndpoint=http://127.0.0.1:%d/devstoreaccount1;QueueEndpoint=http://%s/devstoreaccount1;",
		accountKey, s.blobPort, queueAddr)
}

// freePorts returns n distinct free loopback ports. Their listeners are
// held until all are picked: closed one at a time, the system may hand the
// same port out twice.
func freePorts(t testing.TB, n int) []int {
	ports := make([]int, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// pickPorts gives s three distinct free ports for its services.
func (s *Server) pickPorts() {
	p := freePorts(s.t, 3)
	s.blobPort, s.queuePort, s.tablePort = p[0], p[1], p[2]
}
