package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// StorageConfig says how to reach the storage account.
type StorageConfig struct {
	// QueueEndpoint and BlobEndpoint are the service URLs
	// (https://<account>.queue.core.windows.net/ ...), used with Credential.
	QueueEndpoint, BlobEndpoint string
	// Credential is the managed identity (azidentity).
	Credential azcore.TokenCredential
	// ConnectionString replaces endpoints and credential for Azurite's
	// development account; never set in Azure.
	ConnectionString string
	// WorkQueue, PoisonQueue, RequestContainer, ResultContainer name the
	// resources the stack creates.
	WorkQueue, PoisonQueue, RequestContainer, ResultContainer string
}

// Storage holds the adapters over one storage account.
type Storage struct {
	Work, Poison *Queue
	Blobs        *Blobs
	Jobs         *JobStore
	// Fleet keeps the replicas' shares and leases in the request container.
	Fleet *Fleet
	cfg   StorageConfig
}

// NewStorage builds the adapters; it does not contact the account.
func NewStorage(cfg StorageConfig) (*Storage, error) {
	qopts := &azqueue.ClientOptions{ClientOptions: policy.ClientOptions{Retry: retryOptions()}}
	bopts := &azblob.ClientOptions{ClientOptions: policy.ClientOptions{Retry: retryOptions()}}
	var (
		qs  *azqueue.ServiceClient
		bc  *azblob.Client
		err error
	)
	if cfg.ConnectionString != "" {
		if qs, err = azqueue.NewServiceClientFromConnectionString(cfg.ConnectionString, qopts); err != nil {
			return nil, fmt.Errorf("queue client: %w", err)
		}
		if bc, err = azblob.NewClientFromConnectionString(cfg.ConnectionString, bopts); err != nil {
			return nil, fmt.Errorf("blob client: %w", err)
		}
	} else {
		if cfg.Credential == nil || cfg.QueueEndpoint == "" || cfg.BlobEndpoint == "" {
			return nil, fmt.Errorf("storage: set the queue and blob endpoints and a credential, or a connection string")
		}
		if qs, err = azqueue.NewServiceClient(cfg.QueueEndpoint, cfg.Credential, qopts); err != nil {
			return nil, fmt.Errorf("queue client: %w", err)
		}
		if bc, err = azblob.NewClient(cfg.BlobEndpoint, cfg.Credential, bopts); err != nil {
			return nil, fmt.Errorf("blob client: %w", err)
		}
	}
	blobs := &Blobs{c: bc}
	return &Storage{
		Work:   &Queue{c: qs.NewQueueClient(cfg.WorkQueue)},
		Poison: &Queue{c: qs.NewQueueClient(cfg.PoisonQueue)},
		Blobs:  blobs,
		Jobs:   &JobStore{Blobs: blobs, RequestContainer: cfg.RequestContainer, ResultContainer: cfg.ResultContainer},
		Fleet:  &Fleet{Blobs: blobs, Container: cfg.RequestContainer},
		cfg:    cfg,
	}, nil
}

// Ensure creates the queues and containers if they are missing. The
// deployed stack creates them; the local run and tests call this.
func (s *Storage) Ensure(ctx context.Context) error {
	for _, q := range []*Queue{s.Work, s.Poison} {
		if err := q.ensure(ctx); err != nil {
			return err
		}
	}
	for _, c := range []string{s.cfg.RequestContainer, s.cfg.ResultContainer} {
		if err := s.Blobs.ensure(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
