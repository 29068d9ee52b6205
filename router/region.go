package router

import "strings"

// In a multi-region deployment every region's ids carry the region that
// made them — "<region>-<id>" — so that any region can tell whose a job or a
// batch is and send the caller's question there. A single-region router
// makes ids without one.

// RegionalID is id made in region ("" for none).
func RegionalID(region, id string) string {
	if region == "" {
		return id
	}
	return region + "-" + id
}

// IDRegion is the region an id was made in, "" for an id without one.
// Azure region names have no hyphen, so the region is what precedes the
// first one.
func IDRegion(id string) string {
	region, _, found := strings.Cut(id, "-")
	if !found || region == "" || strings.ContainsAny(region, "_.") {
		return ""
	}
	for _, c := range region {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return region
}

// SpillsOver reports whether a realtime request refused for why may be
// offered to a peer region (spill-over): this region cannot answer it in
// its deadline — its app cold, saturated or too slow — which a warm peer
// may. Other refusals (the body too large, the queue full or down) would
// be the peer's too.
func SpillsOver(why Reason) bool {
	switch why {
	case ReasonColdStartTooSlow, ReasonRealtimeSaturated, ReasonDeadlineTooShort:
		return true
	}
	return false
}
