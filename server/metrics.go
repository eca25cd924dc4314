package server

import (
	"context"
	"net"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// metrics serves /metrics in the Prometheus text format: floor figures read
// from the store at scrape time (queue depth, waits, SLA), connected desks,
// event fan-out latency and copilot latency and fallbacks. Its registry
// belongs to the server, so two servers in one process (tests) never clash.
//
// Access: requests from a loopback address that no proxy forwarded, or
// with the bearer token of a lead or admin desk (docs/configuration.md,
// "Metrics").
type metrics struct {
	s       *Server
	reg     *prometheus.Registry
	handler http.Handler

	fanout    prometheus.Histogram
	copilot   *prometheus.HistogramVec
	fallbacks *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{s: s, reg: prometheus.NewRegistry()}
	m.fanout = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "agentdesk_event_fanout_seconds",
		Help:    "Time from a committed batch of events to it being queued for every connected desk that may see it.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
	})
	m.copilot = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "agentdesk_copilot_seconds",
		Help:    "Copilot latency per call (kind: insight or draft).",
		Buckets: []float64{.005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"kind"})
	m.fallbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentdesk_copilot_fallbacks_total",
		Help: "Copilot results served by the offline engine because the configured model failed (kind: insight or draft).",
	}, []string{"kind"})
	m.fallbacks.WithLabelValues("insight")
	m.fallbacks.WithLabelValues("draft")
	m.reg.MustRegister(m.fanout, m.copilot, m.fallbacks, &floorCollector{s: s},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// ServeHTTP checks access, then serves the registry.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopback(r.RemoteAddr) || forwarded(r) {
		token := bearer(r)
		if token == "" {
			writeError(w, http.StatusUnauthorized, protocol.Errorf(protocol.CodeUnauthorized, "metrics need a lead or admin desk token, or a request from loopback"))
			return
		}
		agent, _, err := m.s.store.Authenticate(r.Context(), token)
		if err != nil {
			status := http.StatusUnauthorized
			if protocol.CodeOf(err) == protocol.CodeForbidden {
				status = http.StatusForbidden
			} else if protocol.CodeOf(err) != protocol.CodeUnauthorized {
				status = http.StatusInternalServerError
			}
			writeError(w, status, err)
			return
		}
		if agent.Role != protocol.RoleLead && agent.Role != protocol.RoleAdmin {
			writeError(w, http.StatusForbidden, protocol.Errorf(protocol.CodeForbidden, "role %s may not read metrics", agent.Role))
			return
		}
	}
	m.handler.ServeHTTP(w, r)
}

// forwarded reports whether a proxy relayed the request: a reverse proxy
// on the same host connects from loopback, so without this every client
// behind it would read the floor without a token.
func forwarded(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// observeFanout records one hub.publish.
func (m *metrics) observeFanout(d time.Duration) { m.fanout.Observe(d.Seconds()) }

// observeCopilot records one copilot call.
func (m *metrics) observeCopilot(kind string, d time.Duration, fallback bool) {
	m.copilot.WithLabelValues(kind).Observe(d.Seconds())
	if fallback {
		m.fallbacks.WithLabelValues(kind).Inc()
	}
}

// floorCollector reads the floor from the store at scrape time.
type floorCollector struct{ s *Server }

var (
	descQueueDepth = prometheus.NewDesc("agentdesk_queue_depth",
		"Conversations waiting in a queue for a person.", []string{"team", "channel", "priority"}, nil)
	descLongestWait = prometheus.NewDesc("agentdesk_queue_longest_wait_seconds",
		"How long the longest-waiting queued conversation has waited since escalation, per team.", []string{"team"}, nil)
	descOpen = prometheus.NewDesc("agentdesk_conversations_open",
		"Open conversations by status (queued, assigned, snoozed).", []string{"status"}, nil)
	descBreachedNow = prometheus.NewDesc("agentdesk_sla_breached_open",
		"Open conversations past their first-response deadline with no agent reply yet.", nil, nil)
	descBreaches = prometheus.NewDesc("agentdesk_sla_breaches_total",
		"First-response deadlines missed, ever.", nil, nil)
	descDesks = prometheus.NewDesc("agentdesk_connected_desks",
		"Desks connected over the websocket, by role.", []string{"role"}, nil)
	descAgents = prometheus.NewDesc("agentdesk_agents",
		"Agent accounts by presence status.", []string{"status"}, nil)
)

func (f *floorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueDepth, descLongestWait, descOpen, descBreachedNow, descBreaches, descDesks, descAgents} {
		ch <- d
	}
}

func (f *floorCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fl, err := f.s.store.Floor(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descQueueDepth, err)
		return
	}
	label := teamLabels(fl)
	depth := map[[3]string]int{}
	for _, q := range fl.Queue {
		depth[[3]string{label(q.Team), q.Channel, strconv.Itoa(q.Priority)}] += q.Count
	}
	for k, n := range depth {
		ch <- prometheus.MustNewConstMetric(descQueueDepth, prometheus.GaugeValue, float64(n), k[0], k[1], k[2])
	}
	oldest := map[string]int64{}
	for team, at := range fl.OldestByTeam {
		if o, ok := oldest[label(team)]; !ok || at < o {
			oldest[label(team)] = at
		}
	}
	for team, at := range oldest {
		ch <- prometheus.MustNewConstMetric(descLongestWait, prometheus.GaugeValue, float64(max(fl.Now-at, 0))/1000, team)
	}
	for _, st := range []string{protocol.ConvQueued, protocol.ConvAssigned, protocol.ConvSnoozed} {
		ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(fl.Open[st]), st)
	}
	ch <- prometheus.MustNewConstMetric(descBreachedNow, prometheus.GaugeValue, float64(fl.BreachedOpen))
	ch <- prometheus.MustNewConstMetric(descBreaches, prometheus.CounterValue, float64(fl.BreachesTotal))
	desks := map[string]int{protocol.RoleAgent: 0, protocol.RoleLead: 0, protocol.RoleTrainer: 0, protocol.RoleAdmin: 0}
	f.s.hub.each(func(c *conn) { desks[c.agent.Role]++ })
	for role, n := range desks {
		ch <- prometheus.MustNewConstMetric(descDesks, prometheus.GaugeValue, float64(n), role)
	}
	for _, st := range []string{protocol.StatusOnline, protocol.StatusAway, protocol.StatusOffline} {
		ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, float64(fl.Agents[st]), st)
	}
}

// maxTeamLabels bounds the team label's values: the teams with the most
// queued chats keep their names, the rest are counted as "_other", so
// transfers to made-up team names cannot blow up /metrics (issue 19).
const maxTeamLabels = 50

func teamLabels(fl store.Floor) func(string) string {
	count := map[string]int{}
	for _, q := range fl.Queue {
		count[q.Team] += q.Count
	}
	for team := range fl.OldestByTeam {
		count[team] += 0
	}
	if len(count) <= maxTeamLabels {
		return func(t string) string { return t }
	}
	teams := make([]string, 0, len(count))
	for t := range count {
		teams = append(teams, t)
	}
	sort.Slice(teams, func(i, j int) bool {
		if count[teams[i]] != count[teams[j]] {
			return count[teams[i]] > count[teams[j]]
		}
		return teams[i] < teams[j]
	})
	keep := map[string]bool{}
	for _, t := range teams[:maxTeamLabels-1] {
		keep[t] = true
	}
	return func(t string) string {
		if keep[t] {
			return t
		}
		return "_other"
	}
}
