package azure

import (
	"context"
	"errors"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
)

// Streamed uploads stage blocks of streamBlock bytes, streamConcurrency at
// once: an upload holds at most their product in memory (8 MiB), whatever
// its size. (UploadStream's own default concurrency is 8 or more blocks.)
const (
	streamBlock       = 4 << 20
	streamConcurrency = 2
)

// Upload implements router.BlobStore with Put Block / Put Block List
// (UploadStream), or a single Put Blob for what fits one block.
func (b *Blobs) Upload(ctx context.Context, container, name string, r io.Reader) (int64, error) {
	cr := &countingReader{r: r}
	_, err := b.blob(container, name).UploadStream(ctx, cr, &blockblob.UploadStreamOptions{
		BlockSize: streamBlock, Concurrency: streamConcurrency,
	})
	if err != nil {
		if cr.err != nil && errors.Is(err, cr.err) {
			return cr.n, cr.err
		}
		if cr.err != nil {
			return cr.n, errors.Join(cr.err, asUnavailable("upload blob "+container+"/"+name, err))
		}
		return cr.n, asUnavailable("upload blob "+container+"/"+name, err)
	}
	return cr.n, nil
}

// countingReader counts what it passes and keeps the source's own error, so
// that Upload can tell a caller's failure from the service's.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// Open implements router.BlobStore: a ranged Get Blob whose body resumes
// after a dropped connection (the SDK's retry reader).
func (b *Blobs) Open(ctx context.Context, container, name string, offset, length int64) (io.ReadCloser, error) {
	opts := &blob.DownloadStreamOptions{}
	if offset > 0 || length >= 0 {
		opts.Range = blob.HTTPRange{Offset: offset, Count: max(length, 0)}
		if length == 0 {
			return io.NopCloser(eofReader{}), nil
		}
	}
	resp, err := b.blob(container, name).DownloadStream(ctx, opts)
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
			return nil, notFound(container, name, err)
		}
		if bloberror.HasCode(err, bloberror.InvalidRange) {
			return io.NopCloser(eofReader{}), nil // offset at the end: nothing to read
		}
		return nil, asUnavailable("read blob "+container+"/"+name, err)
	}
	return &unavailableOnError{rc: resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 3}), what: "read blob " + container + "/" + name}, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// unavailableOnError gives a failed read the domain's unavailable code.
type unavailableOnError struct {
	rc   io.ReadCloser
	what string
}

func (u *unavailableOnError) Read(p []byte) (int, error) {
	n, err := u.rc.Read(p)
	if err != nil && err != io.EOF {
		err = asUnavailable(u.what, err)
	}
	return n, err
}

func (u *unavailableOnError) Close() error { return u.rc.Close() }
