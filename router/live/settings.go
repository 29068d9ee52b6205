package live

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Settings holds the current routing settings and accepted API-key hashes.
// Refresh replaces them from a secret source; on failure the last good
// values stay in force.
type Settings struct {
	settings atomic.Pointer[router.Settings]
	keys     atomic.Pointer[[][sha256.Size]byte]
	// pending is true from AwaitSource until the first successful Refresh.
	pending atomic.Bool
	// fixedKeys are accepted whatever the secret source says (ROUTER_API_KEY
	// and ROUTER_API_KEY_SHA256 from the environment).
	fixedKeys [][sha256.Size]byte
	// modelKeys are the models whose own secrets Refresh reads
	// (WatchModels); perModel their values by model key.
	modelKeys []string
	perModel  atomic.Pointer[map[string]map[string]string]
	// generation counts the settings put in force, so that derived
	// settings know when to be worked out again.
	generation atomic.Uint64
}

// NewSettings starts from base and the fixed key hashes.
func NewSettings(base router.Settings, fixedKeys [][sha256.Size]byte) *Settings {
	s := &Settings{fixedKeys: fixedKeys}
	s.settings.Store(&base)
	keys := append([][sha256.Size]byte(nil), fixedKeys...)
	s.keys.Store(&keys)
	return s
}

// AwaitSource marks the settings in force as not yet usable: the API-key
// hashes (and the operators' tuning) exist only in the secret source, so the
// router must not report ready before a Refresh succeeds. In Azure the first
// reads fail until the identity's Key Vault role assignment takes effect,
// which can take minutes.
func (s *Settings) AwaitSource() { s.pending.Store(true) }

// Ready reports whether the settings in force may be served: always, unless
// AwaitSource was called and no Refresh has succeeded since.
func (s *Settings) Ready() bool { return !s.pending.Load() }

// WatchModels makes Refresh read the own secrets of the models with these
// keys (router.ModelSecret); call it before Refresh runs.
func (s *Settings) WatchModels(keys []string) {
	s.modelKeys = append([]string(nil), keys...)
	s.generation.Add(1)
}

// Generation changes whenever other settings come into force.
func (s *Settings) Generation() uint64 { return s.generation.Load() }

// Model returns a model's settings in force: spec applied to the router's
// settings, then the model's own Key Vault secrets.
func (s *Settings) Model(key string, spec func(router.Settings) router.Settings) router.Settings {
	base := spec(s.Current())
	if all := s.perModel.Load(); all != nil {
		if own, ok := (*all)[key]; ok {
			if applied, err := base.ApplySecrets(own); err == nil {
				return applied // Refresh checked them; a model's own figures cannot break them
			}
		}
	}
	return base
}

// Current returns the settings in force.
func (s *Settings) Current() router.Settings { return *s.settings.Load() }

// KeyHashes returns the accepted API-key hashes.
func (s *Settings) KeyHashes() [][sha256.Size]byte { return *s.keys.Load() }

// Refresh reads the settings secrets and the key-hash secret once. It applies
// everything or nothing: any error leaves the previous values in force.
func (s *Settings) Refresh(ctx context.Context, src router.SecretSource) error {
	names := append(append([]string(nil), router.SettingSecrets...), router.SecretAPIKeyHashes)
	for _, key := range s.modelKeys {
		for _, setting := range router.ModelSettingSecrets {
			names = append(names, router.ModelSecret(setting, key))
		}
	}
	values, err := src.Secrets(ctx, names)
	if err != nil {
		return fmt.Errorf("read settings secrets: %w", err)
	}
	next, err := s.Current().ApplySecrets(values)
	if err != nil {
		return fmt.Errorf("apply settings secrets: %w", err)
	}
	perModel := map[string]map[string]string{}
	for _, key := range s.modelKeys {
		own := map[string]string{}
		for _, setting := range router.ModelSettingSecrets {
			if v, ok := values[router.ModelSecret(setting, key)]; ok {
				own[setting] = v
			}
		}
		if _, err := next.ApplySecrets(own); err != nil {
			return fmt.Errorf("apply the settings secrets of model %s: %w", key, err)
		}
		perModel[key] = own
	}
	keys := append([][sha256.Size]byte(nil), s.fixedKeys...)
	if raw, ok := values[router.SecretAPIKeyHashes]; ok {
		parsed, err := router.ParseKeyHashes(raw)
		if err != nil {
			return fmt.Errorf("secret %s: %w", router.SecretAPIKeyHashes, err)
		}
		keys = append(keys, parsed...)
	}
	s.settings.Store(&next)
	s.perModel.Store(&perModel)
	s.keys.Store(&keys)
	s.pending.Store(false)
	s.generation.Add(1)
	return nil
}
