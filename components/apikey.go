package components

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// apiKey is the router's API key, generated at deploy time: the key itself
// (a secret output for the operator) and its SHA-256, which is all the
// router ever sees.
type apiKey struct {
	key  pulumi.StringOutput
	hash pulumi.StringOutput
}

func newAPIKey(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*apiKey, error) {
	pw, err := random.NewRandomPassword(ctx, name+"-api-key", &random.RandomPasswordArgs{
		Length:  pulumi.Int(48),
		Special: pulumi.Bool(false),
	}, opts...)
	if err != nil {
		return nil, err
	}
	hash := pw.Result.ApplyT(func(k string) string {
		sum := sha256.Sum256([]byte(k))
		return hex.EncodeToString(sum[:])
	}).(pulumi.StringOutput)
	return &apiKey{key: pulumi.ToSecret(pw.Result).(pulumi.StringOutput), hash: hash}, nil
}
