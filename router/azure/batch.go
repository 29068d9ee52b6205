package azure

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/batch/azbatch"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// BatchConfig configures the Azure Batch executor.
type BatchConfig struct {
	// Endpoint is the Batch account URL (https://<account>.<region>.batch.azure.com).
	Endpoint   string
	Credential azcore.TokenCredential
	// PoolID is the spot GPU pool; JobID the Batch job the router's tasks
	// go into (created if missing).
	PoolID, JobID string
	// Image is the inference image; Command its batch command, the program
	// and its arguments separated by spaces (no shell: distroless images
	// have none).
	Image, Command string
	// NodeIdentity is the ARM resource id of the pool's user-assigned
	// identity, which reads the input blob and writes the output blob.
	NodeIdentity string
	// Blobs gives the container URLs.
	Blobs *Blobs
	// PollInterval is how often the task's state is read (default 10 s).
	PollInterval time.Duration
	// MaxWallClock bounds one task (default 1 h).
	MaxWallClock time.Duration
}

// Batch is a router.Executor that runs each micro-batch as one container
// task on the Batch pool; the pool autoscales on $PendingTasks, so adding a
// task is what starts a node.
type Batch struct {
	cfg     BatchConfig
	program string   // Command's first field, run as the container's entrypoint
	args    []string // the rest of Command
	c       *azbatch.Client
	jobOnce sync.Mutex
	jobs    map[string]bool // Batch jobs known to exist, by id
}

var _ router.Executor = (*Batch)(nil)

// Batch task files, relative to the task working directory, which the
// container also uses as its working directory.
const (
	batchInputFile  = "input.jsonl"
	batchOutputFile = "output.jsonl"
)

// NewBatch returns the executor.
func NewBatch(cfg BatchConfig) (*Batch, error) {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Second
	}
	if cfg.MaxWallClock <= 0 {
		cfg.MaxWallClock = time.Hour
	}
	cmd := strings.Fields(cfg.Command)
	if len(cmd) == 0 {
		return nil, fmt.Errorf("batch command is empty: set the program the inference image runs for a micro-batch, e.g. \"/usr/local/bin/refmodel batch\"")
	}
	c, err := azbatch.NewClient(cfg.Endpoint, cfg.Credential, &azbatch.ClientOptions{ClientOptions: policy.ClientOptions{Retry: retryOptions()}})
	if err != nil {
		return nil, fmt.Errorf("batch client: %w", err)
	}
	return &Batch{cfg: cfg, program: cmd[0], args: cmd[1:], c: c}, nil
}

// target is where a run goes: the Batch job on its model's pool (one job
// per pool: a job is bound to its pool; the router's own pool keeps
// BATCH_JOB_ID), the image and the batch command, the run's own where it
// names them (its model's), the executor's otherwise.
type target struct {
	job, pool, image, program string
	args                      []string
}

func (b *Batch) target(r router.Run) target {
	t := target{job: b.cfg.JobID, pool: b.cfg.PoolID, image: b.cfg.Image, program: b.program, args: b.args}
	if r.PoolID != "" && r.PoolID != b.cfg.PoolID {
		t.pool, t.job = r.PoolID, b.cfg.JobID+"-"+r.PoolID
	}
	if r.Image != "" {
		t.image = r.Image
	}
	if cmd := strings.Fields(r.Command); len(cmd) > 0 {
		t.program, t.args = cmd[0], cmd[1:]
	}
	return t
}

// ensureJob creates the Batch job of t on its pool unless it exists.
func (b *Batch) ensureJob(ctx context.Context, t target) error {
	b.jobOnce.Lock()
	defer b.jobOnce.Unlock()
	if b.jobs[t.job] {
		return nil
	}
	_, err := b.c.CreateJob(ctx, azbatch.CreateJobContent{
		ID: to.Ptr(t.job), PoolInfo: &azbatch.PoolInfo{PoolID: to.Ptr(t.pool)},
	}, nil)
	if err != nil && errorCodeOf(err) != "JobExists" {
		return asUnavailable("create batch job "+t.job, err)
	}
	if b.jobs == nil {
		b.jobs = map[string]bool{}
	}
	b.jobs[t.job] = true
	return nil
}

// Task builds the container task for a run: the input blob as a resource
// file, the output file uploaded on success, both through the pool's identity.
//
// Batch creates the task's container with `docker create [run options]
// <image> <command line>`, so the command line is appended to the image's
// ENTRYPOINT, which only `--entrypoint` in the run options replaces
// (azure-docs batch/batch-docker-container-workloads.md, "Container task
// command line"). The inference image may have an ENTRYPOINT (the reference
// model's is /usr/local/bin/refmodel): the command's program goes in
// --entrypoint and its arguments in the command line, so the task runs the
// configured command whatever the image's ENTRYPOINT.
func (b *Batch) Task(r router.Run) azbatch.CreateTaskContent {
	t := b.target(r)
	ident := &azbatch.NodeIdentityReference{ResourceID: to.Ptr(b.cfg.NodeIdentity)}
	env := []azbatch.EnvironmentSetting{
		{Name: to.Ptr(router.BatchEnvInputPath), Value: to.Ptr(batchInputFile)},
		{Name: to.Ptr(router.BatchEnvOutputPath), Value: to.Ptr(batchOutputFile)},
	}
	keys := make([]string, 0, len(r.Env))
	for k := range r.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, azbatch.EnvironmentSetting{Name: to.Ptr(k), Value: to.Ptr(r.Env[k])})
	}
	return azbatch.CreateTaskContent{
		ID:          to.Ptr(r.ID),
		CommandLine: to.Ptr(strings.Join(t.args, " ")),
		ContainerSettings: &azbatch.TaskContainerSettings{
			ImageName:           to.Ptr(t.image),
			ContainerRunOptions: to.Ptr("--entrypoint " + t.program),
			WorkingDirectory:    to.Ptr(azbatch.ContainerWorkingDirectoryTaskWorkingDirectory),
		},
		EnvironmentSettings: env,
		ResourceFiles: []azbatch.ResourceFile{{
			HTTPURL:           to.Ptr(b.cfg.Blobs.ContainerURL(r.InputContainer) + "/" + r.InputBlob),
			FilePath:          to.Ptr(batchInputFile),
			IdentityReference: ident,
		}},
		OutputFiles: []azbatch.OutputFile{{
			FilePattern: to.Ptr(batchOutputFile),
			Destination: &azbatch.OutputFileDestination{Container: &azbatch.OutputFileBlobContainerDestination{
				ContainerURL:      to.Ptr(b.cfg.Blobs.ContainerURL(r.OutputContainer)),
				Path:              to.Ptr(r.OutputBlob),
				IdentityReference: ident,
			}},
			UploadOptions: &azbatch.OutputFileUploadConfig{UploadCondition: to.Ptr(azbatch.OutputFileUploadConditionTaskSuccess)},
		}},
		Constraints: &azbatch.TaskConstraints{
			MaxTaskRetryCount: to.Ptr(int32(1)),
			MaxWallClockTime:  to.Ptr(isoDuration(b.cfg.MaxWallClock)),
		},
	}
}

// Execute implements router.Executor: add the task, wait for it to complete.
// If ctx ends first the task is terminated, and the dispatcher leaves the
// messages to reappear.
func (b *Batch) Execute(ctx context.Context, r router.Run) error {
	tg := b.target(r)
	if err := b.ensureJob(ctx, tg); err != nil {
		return err
	}
	if _, err := b.c.CreateTask(ctx, tg.job, b.Task(r), nil); err != nil && errorCodeOf(err) != "TaskExists" {
		return asUnavailable("add batch task "+r.ID, err)
	}
	t := time.NewTicker(b.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_, _ = b.c.TerminateTask(stop, tg.job, r.ID, nil)
			cancel()
			return router.WrapError(router.EUnavailable, "batch task "+r.ID+" abandoned", ctx.Err())
		case <-t.C:
		}
		resp, err := b.c.GetTask(ctx, tg.job, r.ID, nil)
		if err != nil {
			continue // transient; the next poll tries again
		}
		if resp.State == nil || *resp.State != azbatch.TaskStateCompleted {
			continue
		}
		info := resp.ExecutionInfo
		if info != nil && info.Result != nil && *info.Result == azbatch.TaskExecutionResultSuccess {
			return nil
		}
		msg := "batch task " + r.ID + " failed"
		if info != nil && info.FailureInfo != nil && info.FailureInfo.Message != nil {
			msg += ": " + *info.FailureInfo.Message
		} else if info != nil && info.ExitCode != nil {
			msg += fmt.Sprintf(": exit code %d", *info.ExitCode)
		}
		return router.Errorf(router.EInternal, "%s", msg)
	}
}

// isoDuration formats d as an ISO 8601 duration in whole seconds (PT3600S).
func isoDuration(d time.Duration) string { return fmt.Sprintf("PT%dS", int64(d/time.Second)) }
