package components

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// StackTags are the tags every taggable resource carries: the user's extra
// tags, then the ones the platform relies on (they win on a clash).
func StackTags(project, stack string, extra map[string]string) pulumi.StringMap {
	tags := pulumi.StringMap{}
	for k, v := range extra {
		tags[k] = pulumi.String(v)
	}
	tags["project"] = pulumi.String(project)
	tags["stack"] = pulumi.String(stack)
	tags["managed-by"] = pulumi.String("pulumi")
	return tags
}
