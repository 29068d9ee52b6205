# The README's two commands: `make run` (the whole request flow locally on Azurite)
# and `make test` (everything CI checks). Both install what they need themselves.
.PHONY: run run-regions test bench chaos vet fmt

run:
	bash scripts/run-local.sh

# Two regions locally: two routers, two Azurites, two reference models.
run-regions:
	bash scripts/run-regions.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

# The fault suite (router/chaos) with every scenario, process kills included.
chaos:
	bash scripts/chaos.sh

vet:
	go vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')
