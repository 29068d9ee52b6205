package autoscale

import "fmt"

// Limits on a formula's size, from the Batch documentation: "The formula
// string can't exceed 8 KB, can include up to 100 statements that are
// separated by semicolons" (batch-automatic-scaling.md, "Autoscale formulas").
const (
	MaxFormulaBytes = 8 * 1024
	MaxStatements   = 100
)

// checkSize rejects a formula longer than MaxFormulaBytes before any parsing,
// as Azure would.
func checkSize(text string) error {
	if len(text) > MaxFormulaBytes {
		return &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("formula is %d bytes; Azure Batch allows at most %d", len(text), MaxFormulaBytes)}
	}
	return nil
}

// checkStatements rejects a formula with more than MaxStatements statements;
// pos is the first statement beyond the limit.
func checkStatements(stmts []Stmt) error {
	if len(stmts) > MaxStatements {
		p := stmts[MaxStatements].Pos
		return &Error{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf("formula has %d statements; Azure Batch allows at most %d", len(stmts), MaxStatements)}
	}
	return nil
}
