package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
)

// The router's region and its peers (multi-region deployments: one stack per
// region behind one global front door).
const (
	// EnvRegion names this router's region (the Azure region of its stack,
	// e.g. swedencentral). Job and batch ids it makes carry it, so any
	// region can say whose a job is. Empty: a single-region deployment.
	EnvRegion = "REGION"
	// EnvPeers lists the other regions' routers, a JSON array of Peer.
	EnvPeers = "PEERS"
	// EnvSpillover says whether a realtime request this region cannot
	// answer in its deadline may be answered by a peer region: off (the
	// default: data stays in the region that received it) or realtime.
	EnvSpillover = "SPILLOVER"
	// EnvFrontDoorID, when set, is the Azure Front Door profile's id
	// (its frontDoorId): requests must carry it in X-Azure-FDID, so that
	// only that front door reaches the router.
	EnvFrontDoorID = "FRONT_DOOR_ID"
)

// Spillover values.
const (
	SpilloverOff      = "off"
	SpilloverRealtime = "realtime"
)

// Peer is another region's router.
type Peer struct {
	Region string `json:"region"`
	// URL is its base URL, e.g. https://<router app fqdn>.
	URL string `json:"url"`
}

// regionName is what a region may be called: Azure's region names.
var regionName = regexp.MustCompile(`^[a-z][a-z0-9]{1,31}$`)

// loadRegions reads PEERS.
func (c *Config) loadRegions(raw string) error {
	if raw == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), &c.Peers); err != nil {
		return fmt.Errorf("%s: not a JSON array of {region, url}: %w", EnvPeers, err)
	}
	return nil
}

// validateRegions names the first bad region setting.
func (c Config) validateRegions() error {
	if c.Region != "" && !regionName.MatchString(c.Region) {
		return fmt.Errorf("%s=%q: want an Azure region name (lowercase letters and digits, e.g. swedencentral)", EnvRegion, c.Region)
	}
	if len(c.Peers) > 0 && c.Region == "" {
		return fmt.Errorf("%s lists peers but %s is empty: name this router's region", EnvPeers, EnvRegion)
	}
	seen := map[string]bool{c.Region: true}
	for i, p := range c.Peers {
		at := EnvPeers + "[" + strconv.Itoa(i) + "]"
		if !regionName.MatchString(p.Region) || seen[p.Region] {
			return fmt.Errorf("%s.region=%q: want another region's name, once", at, p.Region)
		}
		seen[p.Region] = true
		if u, err := url.Parse(p.URL); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%s.url=%q: want the peer router's absolute URL", at, p.URL)
		}
	}
	switch c.Spillover {
	case SpilloverOff, SpilloverRealtime:
	default:
		return fmt.Errorf("%s=%q: want %s (requests stay in their region) or %s (a peer region may answer realtime requests this one cannot)", EnvSpillover, c.Spillover, SpilloverOff, SpilloverRealtime)
	}
	return nil
}
