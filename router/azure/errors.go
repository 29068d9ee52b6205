// Package azure implements the router's storage, settings and executor
// interfaces on Azure: Storage queues (azqueue), blobs (azblob), Key Vault
// secrets (azsecrets) and Azure Batch (azbatch). Credentials come from
// azidentity (managed identity in Azure); the Azurite development account's
// connection string is accepted for the local run and tests only.
package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// asUnavailable wraps any storage failure as the domain's unavailable error:
// to a caller, an unreachable, throttled or failing service all mean "not
// stored, try again". What failed (blob and queue names) stays in the cause,
// for logs: the message users see names no internal path.
func asUnavailable(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return router.WrapError(router.EUnavailable, "the request was cancelled before storage answered", fmt.Errorf("%s: %w", what, err))
	}
	return router.WrapError(router.EUnavailable, "storage is unavailable; retry after Retry-After", fmt.Errorf("%s failed: %w", what, err))
}

// notFound is a blob that does not exist; its name stays in the cause.
func notFound(container, name string, err error) error {
	return router.WrapError(router.ENotFound, "not found", fmt.Errorf("no blob %s/%s: %w", container, name, err))
}

func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func errorCodeOf(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// retryOptions fail fast: a caller waiting for a 202 is better served by a
// quick 503 than by a minute of backoff against an unreachable account.
func retryOptions() policy.RetryOptions {
	return policy.RetryOptions{MaxRetries: 2, TryTimeout: 10e9, RetryDelay: 200e6, MaxRetryDelay: 2e9,
		StatusCodes: []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}}
}
