# The README's two commands: `make run` (the whole request flow locally on Azurite)
# and `make test` (everything CI checks). Both install what they need themselves.
.PHONY: run run-regions test bench bench-batchapi chaos vet fmt

run:
	bash scripts/run-local.sh

# Two regions locally: two routers, two Azurites, two reference models.
run-regions:
	bash scripts/run-regions.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

# The Batch API at OpenAI's sizes, this tree against a baseline commit
# (BENCHMARKS.md); about 20 minutes.
bench-batchapi:
	bash scripts/bench-batchapi.sh

# The fault suite (router/chaos) with every scenario, process kills included.
chaos:
	bash scripts/chaos.sh

vet:
	go vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')
