package config

// The request log: one log/slog JSON line per inference request, whichever
// front door it came by (/v1/infer or the OpenAI endpoints), with this
// message and these fields. Operators query it (the stack's workbook does,
// in components/dashboard.go), so the names are part of the router's
// contract with its deployment, declared once here.
const (
	// LogInfer is the message ("msg") of the request log line.
	LogInfer = "infer"

	LogFieldRequestID  = "request_id"
	LogFieldPath       = "path"        // the front door: /v1/infer, /v1/chat/completions, …
	LogFieldModel      = "model"       // the model that answered (after a fallback, not the one asked for)
	LogFieldRevision   = "revision"    // the model's revision that answered (after a retry on stable, stable)
	LogFieldMode       = "mode"        // auto, realtime or batch, as asked
	LogFieldDeadlineMs = "deadline_ms" // X-Deadline-Ms, 0 when none
	LogFieldSize       = "size"        // request body bytes, -1 when unknown
	LogFieldRoute      = "route"       // realtime, batch or reject, as decided; none for an invalid request
	LogFieldReason     = "reason"      // the decision's reason code
	LogFieldOutcome    = "outcome"     // ok, or the error code answered
	LogFieldDuration   = "duration"    // nanoseconds (slog.Duration in JSON)
)

// LogFields lists every field of the request log line, in its order.
var LogFields = []string{
	LogFieldRequestID, LogFieldPath, LogFieldModel, LogFieldRevision, LogFieldMode, LogFieldDeadlineMs, LogFieldSize,
	LogFieldRoute, LogFieldReason, LogFieldOutcome, LogFieldDuration,
}

// LogRollback is the message of the line a router writes when it takes a
// canary revision out of its model's split (fields model, revision,
// reason): the stack's rollback alert queries it. The replica that decided
// the rollback writes it without LogFieldFrom; a replica that learns of it
// (from another replica, or from Key Vault at start) says whence in
// LogFieldFrom, so that the alert counts each rollback once.
const (
	LogRollback  = "canary rolled back"
	LogFieldFrom = "from"
)
