// Package autoscale writes, parses, evaluates and simulates Azure Batch
// autoscale formulas, so that every formula this stack deploys is tested
// before Azure sees it.
//
// The language follows the Batch documentation "Create a formula to
// automatically scale compute nodes in a Batch pool"
// (azure-docs articles/batch/batch-automatic-scaling.md). Where the
// documentation is silent, this package chooses the stricter reading, so a
// formula it accepts is less likely to fail in Azure than one it rejects;
// each such choice is marked "(inferred)" beside the code that makes it.
//
// The pieces:
//   - Build writes the stack's formula from typed Options.
//   - Parse turns formula text into a *Formula (8 KB and 100 statements at
//     most); errors carry line and column.
//   - (*Formula).Evaluate runs it once against an Env: the evaluation time and
//     a SampleSource of service-variable histories. A sample-percent
//     requirement that is not met fails the evaluation with an error that
//     matches ErrSamplePercent; Azure then leaves the pool as it is.
//   - Recorder collects samples from any model that generates them as it
//     runs and serves them as late as Batch would.
//   - ReadTrace reads a CSV metric trace; Simulate evaluates a formula every
//     evaluation interval over a trace with sample delay, node allocation
//     delay and seeded Spot preemption.
package autoscale
