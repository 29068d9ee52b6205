// Package metrics defines the router's Prometheus metrics on a registry of
// its own, so tests can build as many routers as they like.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the router's instruments.
type Metrics struct {
	registry *prometheus.Registry

	// Requests counts inference requests by model, revision, route, reason
	// and outcome (an error code, or "ok").
	Requests *prometheus.CounterVec
	// RealtimeLatency is the time from receipt to the end of a proxied answer.
	RealtimeLatency prometheus.Histogram
	// InFlight is the number of realtime requests being proxied.
	InFlight prometheus.Gauge
	// QueueDepth is the last reading of the work queue's approximate length.
	QueueDepth prometheus.Gauge
	// DispatchLag is the time a job waited in the queue before a dispatcher
	// took it.
	DispatchLag prometheus.Histogram
	// BatchRuns counts micro-batch runs by outcome, and expedited jobs.
	BatchRuns *prometheus.CounterVec
	// JobsFinished counts jobs that reached a terminal state, by state.
	JobsFinished *prometheus.CounterVec
	// Poisoned counts messages moved to the poison queue.
	Poisoned prometheus.Counter
	// SettingsRefreshFailures counts failed Key Vault refreshes.
	SettingsRefreshFailures prometheus.Counter
	// Rollbacks counts canary revisions rolled back, by model and revision;
	// RevisionWeight is each revision's share of its model's traffic in
	// force, in percent.
	Rollbacks      *prometheus.CounterVec
	RevisionWeight *prometheus.GaugeVec
	// FleetLeader is 1 while this replica leads the fleet's once-only
	// duties, and FleetReplicas the replicas it sees, itself included.
	FleetLeader, FleetReplicas prometheus.Gauge
}

// New registers the router's metrics and the Go runtime collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_requests_total", Help: "Inference requests by model, revision, route, decision reason and outcome.",
		}, []string{"model", "revision", "route", "reason", "outcome"}),
		RealtimeLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "router_realtime_latency_seconds", Help: "Realtime request time from receipt to the end of the streamed answer.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 240},
		}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "router_realtime_in_flight", Help: "Realtime requests being proxied now.",
		}),
		QueueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "router_queue_depth", Help: "Approximate number of messages in the work queue.",
		}),
		DispatchLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "router_dispatch_lag_seconds", Help: "Time from enqueue to a dispatcher taking the job.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2.5, 12),
		}),
		BatchRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_batch_runs_total", Help: "Micro-batch runs on the pool by outcome (succeeded, failed), and expedited jobs run on the inference app (expedited, expedite_failed).",
		}, []string{"outcome"}),
		JobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_jobs_finished_total", Help: "Jobs that reached a terminal state, by state.",
		}, []string{"state"}),
		Poisoned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "router_poison_messages_total", Help: "Messages moved to the poison queue.",
		}),
		SettingsRefreshFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "router_settings_refresh_failures_total", Help: "Failed reads of the settings from Key Vault.",
		}),
		Rollbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_rollbacks_total", Help: "Canary revisions rolled back, by model and revision.",
		}, []string{"model", "revision"}),
		RevisionWeight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "router_revision_weight", Help: "Each model revision's share of its model's traffic in force, in percent.",
		}, []string{"model", "revision"}),
		FleetLeader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "router_fleet_leader", Help: "1 while this replica leads the fleet's once-only duties (dispatcher, keep-warm, Batch API manager).",
		}),
		FleetReplicas: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "router_fleet_replicas", Help: "Router replicas this one sees sharing their state, itself included.",
		}),
	}
	r.MustRegister(m.Requests, m.RealtimeLatency, m.InFlight, m.QueueDepth, m.DispatchLag,
		m.BatchRuns, m.JobsFinished, m.Poisoned, m.SettingsRefreshFailures, m.Rollbacks, m.RevisionWeight, m.FleetLeader, m.FleetReplicas,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ObserveRealtime records one finished realtime request.
func (m *Metrics) ObserveRealtime(d time.Duration) { m.RealtimeLatency.Observe(d.Seconds()) }
