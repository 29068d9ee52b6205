package config

// The request log: one log/slog JSON line per /v1/infer request, with this
// message and these fields. Operators query it (the stack's workbook does,
// in components/dashboard.go), so the names are part of the router's
// contract with its deployment, declared once here.
const (
	// LogInfer is the message ("msg") of the request log line.
	LogInfer = "infer"

	LogFieldRequestID  = "request_id"
	LogFieldMode       = "mode"        // auto, realtime or batch, as asked
	LogFieldDeadlineMs = "deadline_ms" // X-Deadline-Ms, 0 when none
	LogFieldSize       = "size"        // request body bytes, -1 when unknown
	LogFieldRoute      = "route"       // realtime, batch or reject, as decided
	LogFieldReason     = "reason"      // the decision's reason code
	LogFieldOutcome    = "outcome"     // ok, or the error code answered
	LogFieldDuration   = "duration"    // nanoseconds (slog.Duration in JSON)
)
