package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/earshot-app/earshot/app/listeners"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

const (
	// DefaultLifetime is how long an application's posted state counts
	// unless it is posted again.
	DefaultLifetime = 30 * time.Minute
	// TestLightFor is how long "Test light" shows a colour.
	TestLightFor = 3 * time.Second
	// historyKept is how many recent changes the service remembers.
	historyKept = 50
	// lightTimeout bounds one write to one light.
	lightTimeout = 2 * time.Second
)

// Lights is what the service drives lights through (device.Manager).
type Lights interface {
	Devices() []device.Device
	HasLight(id string) bool
	SetLight(ctx context.Context, id string, state device.LightState) error
}

// noLights is Lights with no light at all.
type noLights struct{}

func (noLights) Devices() []device.Device { return nil }
func (noLights) HasLight(string) bool     { return false }
func (noLights) SetLight(context.Context, string, device.LightState) error {
	return errors.New("no lights")
}

// ServiceParams are a Service's dependencies.
type ServiceParams struct {
	// Lights are the lights to drive (device.Manager); nil means none.
	Lights Lights
	Clock  clock.Clock
	Logger *slog.Logger
	// Mapping is the application/event table; nil means DefaultMapping().
	Mapping *Mapping
	// Colours overlays DefaultColours (the colour configuration keys).
	Colours Colours
	// Lifetime of an application's state; 0 means DefaultLifetime, < 0
	// for ever.
	Lifetime time.Duration
	// Prefs keeps the user's choices (priority, manual state, colours)
	// across restarts; nil keeps them in memory only.
	Prefs *Prefs
}

// Change is one change of the resolved state.
type Change struct {
	At       time.Time
	From, To Decision
	Reason   string // what happened: "Zoom: On-The-Phone", "manual: dnd", …
}

// SourceStatus is one application source as the Presence page shows it.
type SourceStatus struct {
	Source
	Expired bool
	Age     time.Duration
}

// Status is everything the Presence page and the API show.
type Status struct {
	Decision
	Manual   State // "" for Automatic
	Sources  []SourceStatus
	Priority []string
	Colours  Colours
	History  []Change // newest first
	Lights   int      // lights being driven
}

// Service resolves the presence state as devices, the user and other
// applications report, and shows it on every light. It is an app.Service.
type Service struct {
	p       ServiceParams
	mapping *Mapping

	mu        sync.Mutex
	calls     map[string]DeviceCall
	manual    State
	apps      map[string]Source
	priority  []string
	colours   Colours
	decision  Decision
	history   []Change
	testLight *device.LightState
	listeners listeners.Set

	kick    chan struct{} // wakes the light loop
	wake    chan struct{} // wakes the expiry loop
	cancel  context.CancelFunc
	stopped sync.WaitGroup
	lmu     sync.Mutex                   // guards applied
	applied map[string]device.LightState // what each light was last set to
}

// NewService returns a Service; Start runs it.
func NewService(p ServiceParams) *Service {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Lights == nil {
		p.Lights = noLights{}
	}
	if p.Lifetime == 0 {
		p.Lifetime = DefaultLifetime
	}
	m := p.Mapping
	if m == nil {
		m = DefaultMapping()
	}
	s := &Service{
		p: p, mapping: m,
		calls: map[string]DeviceCall{}, apps: map[string]Source{},
		colours: DefaultColours().With(p.Colours),
		kick:    make(chan struct{}, 1), wake: make(chan struct{}, 1),
		applied: map[string]device.LightState{},
	}
	if p.Prefs != nil {
		saved := p.Prefs.Load(p.Logger)
		s.priority = saved.Priority
		s.manual = saved.Manual
		s.colours = s.colours.With(saved.Colours)
	}
	s.decision = s.resolveLocked()
	return s
}

// Mapping is the application/event table the service uses.
func (s *Service) Mapping() *Mapping { return s.mapping }

// Start runs the light and expiry loops until Stop.
func (s *Service) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	s.stopped.Add(2)
	go func() { defer s.stopped.Done(); s.lightLoop(ctx) }()
	go func() { defer s.stopped.Done(); s.expiryLoop(ctx) }()
	s.poke(s.kick)
	return nil
}

// Stop ends the loops and turns every light the service drove off.
func (s *Service) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.stopped.Wait()
	var wg sync.WaitGroup
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for id := range s.applied {
		if !s.p.Lights.HasLight(id) {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), lightTimeout)
			defer cancel()
			_ = s.p.Lights.SetLight(ctx, id, device.LightState{})
		})
	}
	wg.Wait()
}

// HandleEvent follows the devices' calls and notices new lights.
func (s *Service) HandleEvent(e device.Event) {
	d := e.Device
	s.mu.Lock()
	_, was := s.calls[d.ID]
	now := false
	switch e.Type {
	case device.Arrived, device.Changed:
		now = d.InCall
	case device.Removed:
	default:
		s.mu.Unlock()
		return
	}
	if now {
		s.calls[d.ID] = DeviceCall{ID: d.ID, Name: d.Name}
	} else {
		delete(s.calls, d.ID)
	}
	var reason string
	switch {
	case now && !was:
		reason = "call started on " + d.Name
	case was && !now:
		reason = "call ended on " + d.Name
	}
	s.mu.Unlock()
	if reason != "" {
		s.update(reason)
	}
	if e.Type == device.Arrived && s.p.Lights.HasLight(d.ID) {
		s.poke(s.kick) // a light attached later takes the state at once
	}
}

// Post sets an application's state from one of its events. Names the table
// does not know are ignored and logged in the seed's words.
func (s *Service) Post(application, event string) (Posted, error) {
	p, err := s.mapping.Transform(application, event)
	if err != nil {
		s.p.Logger.Info(err.Error(), "application", application, "event", event)
		return p, err
	}
	s.mu.Lock()
	s.apps[p.Application] = Source{Application: p.Application, Event: event, State: p.State, Ringing: p.Ringing, At: s.p.Clock.Now()}
	s.mu.Unlock()
	s.update(p.Application + ": " + event)
	s.poke(s.wake)
	return p, nil
}

// Withdraw removes an application's state. It returns false when the
// application had none.
func (s *Service) Withdraw(application string) (bool, error) {
	name, ok := s.mapping.Canonical(application)
	if !ok {
		s.p.Logger.Info(ErrUnknownApplication.Error(), "application", application)
		return false, ErrUnknownApplication
	}
	s.mu.Lock()
	_, had := s.apps[name]
	delete(s.apps, name)
	s.mu.Unlock()
	if had {
		s.update(name + " withdrew its state")
	}
	return had, nil
}

// SetManual sets the state chosen in Earshot; "" returns to Automatic.
func (s *Service) SetManual(st State) error {
	if st != "" && !st.Valid() {
		return fmt.Errorf("set presence: unknown state %q", st)
	}
	s.mu.Lock()
	s.manual = st
	s.mu.Unlock()
	s.save()
	if st == "" {
		s.update("manual: automatic")
	} else {
		s.update("manual: " + string(st))
	}
	return nil
}

// MovePriority moves an application up (delta < 0) or down the priority
// order.
func (s *Service) MovePriority(application string, delta int) {
	s.mu.Lock()
	order := s.priorityLocked()
	i := slices.Index(order, application)
	j := i + delta
	if i < 0 || j < 0 || j >= len(order) {
		s.mu.Unlock()
		return
	}
	order[i], order[j] = order[j], order[i]
	s.priority = order
	s.mu.Unlock()
	s.save()
	s.update("priority: " + application)
}

// SetColour sets what lights show for a state (or Ringing).
func (s *Service) SetColour(st State, l device.LightState) error {
	if !slices.Contains(ColourKeys, st) {
		return fmt.Errorf("set colour: unknown state %q", st)
	}
	s.mu.Lock()
	s.colours[st] = l
	s.mu.Unlock()
	s.save()
	s.poke(s.kick)
	s.notify()
	return nil
}

// TestLight shows l on every light for TestLightFor, then the state again.
func (s *Service) TestLight(l device.LightState) {
	s.mu.Lock()
	s.testLight = &l
	s.mu.Unlock()
	s.poke(s.kick)
	wait := s.p.Clock.After(TestLightFor)
	go func() {
		<-wait
		s.mu.Lock()
		if s.testLight != nil && *s.testLight == l {
			s.testLight = nil
		}
		s.mu.Unlock()
		s.poke(s.kick)
	}()
}

// Status returns the current state, its sources and recent changes.
func (s *Service) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.p.Clock.Now()
	st := Status{Decision: s.decision, Manual: s.manual, Priority: s.priorityLocked(),
		Colours: s.colours.With(nil), History: slices.Clone(s.history)}
	s.lmu.Lock()
	st.Lights = len(s.applied)
	s.lmu.Unlock()
	for _, src := range Ordered(s.sourcesLocked(), st.Priority) {
		st.Sources = append(st.Sources, SourceStatus{Source: src, Expired: src.Expired(s.p.Lifetime, now), Age: now.Sub(src.At)})
	}
	slices.Reverse(st.History)
	return st
}

// Subscribe calls fn, from any goroutine, after every change. fn must not
// block.
func (s *Service) Subscribe(fn func()) (cancel func()) { return s.listeners.Subscribe(fn) }

func (s *Service) notify() { s.listeners.Notify() }

// update re-resolves and, when the decision changed, records why and
// drives the lights.
func (s *Service) update(reason string) {
	s.mu.Lock()
	d := s.resolveLocked()
	changed := d != s.decision
	if changed {
		s.history = append(s.history, Change{At: s.p.Clock.Now(), From: s.decision, To: d, Reason: reason})
		if len(s.history) > historyKept {
			s.history = slices.Delete(s.history, 0, len(s.history)-historyKept)
		}
		s.decision = d
	}
	s.mu.Unlock()
	if changed {
		s.p.Logger.Info("presence changed", "state", d.State, "ringing", d.Ringing, "rule", d.Rule, "decidedBy", d.DecidedBy, "reason", reason)
		s.poke(s.kick)
	}
	s.notify()
}

func (s *Service) resolveLocked() Decision {
	calls := make([]DeviceCall, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	return Resolve(Input{Calls: calls, Manual: s.manual, Apps: s.sourcesLocked(), Priority: s.priority,
		Lifetime: s.p.Lifetime, Now: s.p.Clock.Now()})
}

func (s *Service) sourcesLocked() []Source {
	out := make([]Source, 0, len(s.apps))
	for _, a := range s.apps {
		out = append(out, a)
	}
	return out
}

// priorityLocked is the full order: the saved one, then applications that
// posted and are not in it, alphabetically.
func (s *Service) priorityLocked() []string {
	order := slices.Clone(s.priority)
	for _, src := range Ordered(s.sourcesLocked(), s.priority) {
		if !slices.Contains(order, src.Application) {
			order = append(order, src.Application)
		}
	}
	return order
}

func (s *Service) save() {
	if s.p.Prefs == nil {
		return
	}
	s.mu.Lock()
	pr := savedPrefs{Priority: s.priorityLocked(), Manual: s.manual, Colours: s.colours.With(nil)}
	s.mu.Unlock()
	if err := s.p.Prefs.Save(pr); err != nil {
		s.p.Logger.Warn("presence: save preferences", "err", err)
	}
}

func (s *Service) poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// expiryLoop re-resolves when the oldest live source expires.
func (s *Service) expiryLoop(ctx context.Context) {
	for {
		var due <-chan time.Time
		if d, ok := s.nextExpiry(); ok {
			due = s.p.Clock.After(d)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-due:
			s.update("an application's state expired")
		}
	}
}

func (s *Service) nextExpiry() (time.Duration, bool) {
	if s.p.Lifetime < 0 {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.p.Clock.Now()
	var next time.Duration
	found := false
	for _, a := range s.apps {
		if a.Expired(s.p.Lifetime, now) {
			continue
		}
		left := a.At.Add(s.p.Lifetime).Sub(now)
		if !found || left < next {
			next, found = left, true
		}
	}
	return next, found
}

// lightLoop writes the wanted light to every light that does not show it
// yet, all lights in parallel, whenever kicked.
func (s *Service) lightLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		s.mu.Lock()
		want := s.colours.For(s.decision)
		// A headset's own busylight is one red light that says "do not
		// disturb me": on while busy, in a call or in dnd, off otherwise.
		single := device.LightState{}
		if s.decision.State == Busy || s.decision.State == DND || s.decision.State == OnThePhone {
			single.Colour = red
		}
		if s.testLight != nil {
			want, single = *s.testLight, *s.testLight
		}
		s.mu.Unlock()
		s.applyAll(ctx, want, single)
	}
}

// applyAll shows want on every busylight, and single on every other
// device with a light (a headset's busylight), where it is not shown yet.
func (s *Service) applyAll(ctx context.Context, want, single device.LightState) {
	var ids []string
	wants := map[string]device.LightState{}
	for _, d := range s.p.Lights.Devices() {
		if s.p.Lights.HasLight(d.ID) {
			ids = append(ids, d.ID)
			wants[d.ID] = want
			if d.Kind != device.KindBusylight {
				wants[d.ID] = single
			}
		}
	}
	s.lmu.Lock()
	for id := range s.applied {
		if !slices.Contains(ids, id) {
			delete(s.applied, id) // gone: a light attached again takes the state anew
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool {
		got, ok := s.applied[id]
		return ok && got == wants[id]
	})
	s.lmu.Unlock()
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			c, cancel := context.WithTimeout(ctx, lightTimeout)
			defer cancel()
			errs[i] = s.p.Lights.SetLight(c, id, wants[id])
		})
	}
	wg.Wait()
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for i, id := range ids {
		if errs[i] != nil {
			if !errors.Is(errs[i], context.Canceled) {
				s.p.Logger.Warn("presence: set light", "device", id, "err", errs[i])
			}
			delete(s.applied, id)
			continue
		}
		s.applied[id] = wants[id]
	}
}
