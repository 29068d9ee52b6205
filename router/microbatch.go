package router

// The micro-batch contract between the dispatcher and the inference image's
// batch command, which the pool (or the local executor) runs once per
// micro-batch: the command reads the input file named by BatchEnvInputPath
// and writes the output file named by BatchEnvOutputPath, both in the line
// format the stack's inferenceApi setting chooses. The stack documents it,
// the executors set it, the reference model implements it: one source here.
const (
	BatchEnvInputPath  = "BATCH_INPUT_PATH"
	BatchEnvOutputPath = "BATCH_OUTPUT_PATH"
	// BatchEnvModelVersion carries the model-version setting the jobs were
	// pinned to, and BatchEnvGPUMemoryLimit the gpu-memory-limit setting
	// when one is set.
	BatchEnvModelVersion   = "MODEL_VERSION"
	BatchEnvGPUMemoryLimit = "GPU_MEMORY_LIMIT"
)

// Micro-batch line formats, as INFERENCE_API and the stack's inferenceApi
// spell them.
const (
	// FormatReference is the reference model's {"id","body"} lines in and
	// {"id","status","body"} lines out.
	FormatReference = "reference"
	// FormatOpenAI is OpenAI's batch lines (vLLM's run-batch reads them);
	// the OpenAI Batch API needs it.
	FormatOpenAI = "openai"
)

// Formats lists the micro-batch line formats.
var Formats = []string{FormatReference, FormatOpenAI}

// MaxMicroBatch bounds the jobs in one micro-batch: their queue messages are
// held (their visibility extended) one call each while it runs.
const MaxMicroBatch = 1024
