package views

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// settingRow is one setting: its name, help and default on the left, the
// editor and a reset button on the right, and under them why it cannot be
// changed or was refused.
type settingRow struct {
	tab    *SettingsTab
	field  settings.Field
	value  string // the raw value in the editor
	setErr *settings.Refusal

	pills  *fyne.Container  // "Changed", "Restart required", under the editor
	info   *widget.RichText // the help, then the default
	slot   *fyne.Container  // holds the reset button once there is one
	status *widget.Label
	reset  *iconButton
	root   fyne.CanvasObject

	// One of these edits the value.
	sel    *widget.Select
	raws   []string // the raw value of each option of sel
	check  *widget.Check
	slider *widget.Slider
	number *widget.Label // the slider's value
	null   *widget.Check // "Not set" beside a slider
	entry  *widget.Entry

	quiet bool // the editor is being set by the code, not the user
}

func newSettingRow(tab *SettingsTab, f settings.Field) *settingRow {
	// The widgets are made in their final state, before they have
	// renderers, so building a long form does not render each twice.
	r := &settingRow{tab: tab, field: f, value: f.Value}
	r.pills = container.NewHBox(r.pillObjects()...)
	// One text for the name, the help and the default keeps them together.
	segs := []widget.RichTextSegment{&widget.TextSegment{Text: f.Label, Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Bold: true}}}}
	if f.Help != "" {
		segs = append(segs, &widget.TextSegment{Text: f.Help, Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}})
	}
	segs = append(segs, &widget.TextSegment{Text: r.metaText(),
		Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText}})
	r.info = widget.NewRichText(segs...)
	r.info.Wrapping = fyne.TextWrapWord
	r.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	r.status.Text, r.status.Importance, r.status.Hidden = r.statusState()
	r.status.ExtendBaseWidget(r.status)
	// Most settings sit at their default, so the reset button is made when
	// first needed; the slot keeps its room.
	r.slot = container.New(&fixedWidth{width: tab.resetWidth()})
	r.updateReset()

	editor := r.makeEditor(tab.t)
	left := container.NewVBox(r.info, r.status)
	right := container.New(&fixedWidth{width: fieldWidth}, container.NewVBox(
		container.NewBorder(nil, nil, nil, r.slot, editor),
		container.NewHBox(layout.NewSpacer(), r.pills)))
	r.root = container.NewBorder(nil, nil, nil, right, left)
	return r
}

// makeEditor builds the widget for the field's kind (docs/catalog.md), showing the
// field's value.
func (r *settingRow) makeEditor(t *translations.Translator) fyne.CanvasObject {
	f := r.field
	notSet := t.T("settings.notSet")
	disabled := f.Disabled != nil
	switch {
	case f.Kind == settings.KindChoice || (f.Kind == settings.KindBool && f.AllowsNull):
		var labels []string
		if f.AllowsNull {
			labels, r.raws = append(labels, notSet), append(r.raws, "")
		}
		for _, c := range f.Choices {
			label := c.Label
			if f.Kind == settings.KindBool && label == c.Value {
				label = boolLabel(t, c.Value == f.Choices[0].Value)
			}
			labels, r.raws = append(labels, label), append(r.raws, c.Value)
		}
		r.sel = &widget.Select{Options: labels, PlaceHolder: notSet}
		if i := slices.Index(r.raws, f.Value); i >= 0 {
			r.sel.Selected = labels[i]
		}
		r.sel.OnChanged = func(string) {
			if i := r.sel.SelectedIndex(); i >= 0 {
				r.userSet(r.raws[i])
			}
		}
		if disabled {
			r.sel.Disable()
		}
		r.sel.ExtendBaseWidget(r.sel)
		return r.sel
	case f.Kind == settings.KindBool:
		on := f.Choices[0]
		label := on.Label
		if label == on.Value {
			label = t.T("settings.on")
		}
		r.check = &widget.Check{Text: label, Checked: f.Value == on.Value}
		r.check.OnChanged = func(b bool) {
			if b {
				r.userSet(f.Choices[0].Value)
			} else {
				r.userSet(f.Choices[1].Value)
			}
		}
		if disabled {
			r.check.Disable()
		}
		r.check.ExtendBaseWidget(r.check)
		return r.check
	case f.Kind == settings.KindRange:
		step := f.Step
		if step == 0 {
			step = (f.Max - f.Min) / 100
		}
		r.slider = &widget.Slider{Min: f.Min, Max: f.Max, Step: step, Orientation: widget.Horizontal, Value: f.Min}
		if v, err := strconv.ParseFloat(f.Value, 64); err == nil {
			r.slider.Value = v
		}
		r.slider.OnChanged = func(v float64) { r.userSet(r.formatNumber(v)) }
		if disabled {
			r.slider.Disable()
		}
		r.slider.ExtendBaseWidget(r.slider)
		// The label is as wide as the widest value, so it does not jump.
		widest := widget.NewLabel(r.formatNumber(f.Max))
		r.number = &widget.Label{Text: cmpOr(f.Value, "—"), Alignment: fyne.TextAlignTrailing}
		r.number.ExtendBaseWidget(r.number)
		numberBox := container.New(&fixedWidth{width: widest.MinSize().Width}, r.number)
		var extra fyne.CanvasObject = numberBox
		if f.AllowsNull {
			r.null = &widget.Check{Text: notSet, Checked: f.Value == ""}
			r.null.OnChanged = func(b bool) {
				if b {
					r.userSet("")
				} else {
					r.userSet(r.formatNumber(r.slider.Value))
				}
			}
			if disabled {
				r.null.Disable()
			}
			r.null.ExtendBaseWidget(r.null)
			extra = container.NewHBox(numberBox, r.null)
		}
		return container.NewBorder(nil, nil, nil, extra, r.slider)
	default:
		r.entry = &widget.Entry{Text: f.Value, Wrapping: fyne.TextWrap(fyne.TextTruncateClip)}
		if f.AllowsNull {
			r.entry.PlaceHolder = notSet
		}
		r.entry.OnChanged = func(s string) { r.userSet(s) }
		r.entry.OnSubmitted = func(string) { r.tab.Apply() }
		if disabled {
			r.entry.Disable()
		}
		r.entry.ExtendBaseWidget(r.entry)
		return r.entry
	}
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func boolLabel(t *translations.Translator, on bool) string {
	if on {
		return t.T("settings.on")
	}
	return t.T("settings.off")
}

func (r *settingRow) formatNumber(v float64) string {
	if r.field.Integer {
		return strconv.FormatInt(int64(math.Round(v)), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// set shows the raw value v in the editor without counting as an edit.
func (r *settingRow) set(v string) {
	r.quiet = true
	defer func() { r.quiet = false }()
	r.value = v
	switch {
	case r.sel != nil:
		i := slices.Index(r.raws, v)
		if i < 0 {
			r.sel.ClearSelected()
		} else if r.sel.SelectedIndex() != i {
			r.sel.SetSelectedIndex(i)
		}
	case r.check != nil:
		r.check.SetChecked(v == r.field.Choices[0].Value)
	case r.slider != nil:
		if r.null != nil {
			r.null.SetChecked(v == "")
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && f != r.slider.Value {
			r.slider.SetValue(f)
		}
		r.number.SetText(cmpOr(v, "—"))
	case r.entry != nil:
		if r.entry.Text != v {
			r.entry.SetText(v)
		}
	}
	r.refreshState()
}

// userSet records an edit made in the editor.
func (r *settingRow) userSet(v string) {
	if r.quiet {
		return
	}
	r.value = v
	if r.number != nil {
		r.number.SetText(cmpOr(v, "—"))
	}
	r.edited()
}

// edited checks the new value and tells the tab.
func (r *settingRow) edited() {
	r.setErr = nil
	if r.value != r.field.Value {
		if _, ref := r.tab.p.Source.CheckValue(r.field.Name, r.value); ref != nil {
			r.setErr = ref
		}
	}
	r.refreshState()
	r.tab.changed()
}

// update takes a new snapshot of the field; an edit in progress stays.
func (r *settingRow) update(f settings.Field) {
	wasDirty := r.dirty()
	old := r.field
	r.field = f
	if !wasDirty && r.value != f.Value {
		r.set(f.Value)
		return
	}
	if old.Value != f.Value || old.Reported != f.Reported || (old.Disabled == nil) != (f.Disabled == nil) {
		r.refreshState()
	}
}

// setRefusal shows why the last Apply refused the setting (nil: it did not).
func (r *settingRow) setRefusal(ref *settings.Refusal) {
	if ref == nil && r.setErr == nil {
		return
	}
	r.setErr = ref
	r.refreshState()
}

func (r *settingRow) dirty() bool    { return r.enabled() && r.value != r.field.Value }
func (r *settingRow) enabled() bool  { return r.field.Disabled == nil }
func (r *settingRow) canReset() bool { return r.enabled() && r.value != r.field.Default }

func (r *settingRow) pillObjects() []fyne.CanvasObject {
	t := r.tab.t
	var pills []fyne.CanvasObject
	if r.dirty() {
		pills = append(pills, pill(t.T("settings.changed"), theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary))
	}
	if r.field.RequiresReboot {
		pills = append(pills, pill(t.T("settings.restartRequired"), theme.ColorNameWarning, theme.ColorNameForegroundOnWarning))
	}
	return pills
}

// metaText is the line under the help: the default, and where the value lives.
// defaultLabel is how the default value reads.
func (r *settingRow) defaultLabel() string {
	return r.valueLabel(r.field.Default)
}

// valueLabel is how value v of the setting reads.
func (r *settingRow) valueLabel(v string) string {
	t := r.tab.t
	f := r.field
	label := f.ValueLabel(v)
	switch {
	case v == "":
		label = t.T("settings.notSet")
	case f.Kind == settings.KindBool && label == v && len(f.Choices) > 0:
		label = boolLabel(t, v == f.Choices[0].Value)
	}
	return label
}

func (r *settingRow) metaText() string {
	t := r.tab.t
	f := r.field
	meta := t.T("settings.default", "Value", r.defaultLabel())
	if f.ClientSide {
		meta += " · " + t.T("settings.clientSide")
	}
	return meta
}

// statusState is the line under a setting: why it cannot be changed, or why
// its value was refused.
func (r *settingRow) statusState() (text string, imp widget.Importance, hidden bool) {
	switch {
	case r.field.Disabled != nil:
		return settings.RefusalText(r.tab.t, r.field.Disabled), widget.WarningImportance, false
	case r.setErr != nil:
		return settings.RefusalText(r.tab.t, r.setErr), widget.DangerImportance, false
	}
	return "", widget.MediumImportance, true
}

// refreshState updates the pills, the status and what can be used after a
// change.
func (r *settingRow) refreshState() {
	r.pills.Objects = r.pillObjects()
	r.pills.Refresh()
	text, imp, hidden := r.statusState()
	if text != r.status.Text || imp != r.status.Importance {
		r.status.Importance = imp
		r.status.SetText(text)
	}
	if hidden {
		r.status.Hide()
	} else {
		r.status.Show()
	}
	on := r.field.Disabled == nil
	for _, w := range []fyne.Disableable{r.sel, r.check, r.slider, r.null, r.entry} {
		if !isNil(w) && w.Disabled() == on {
			if on {
				w.Enable()
			} else {
				w.Disable()
			}
		}
	}
	r.updateReset()
}

// updateReset makes the reset button usable when the value is not the
// default, making the button the first time.
func (r *settingRow) updateReset() {
	can := r.canReset()
	if r.reset == nil {
		if !can {
			return
		}
		r.reset = newIconButton(theme.ContentUndoIcon(), r.tab.t.T("settings.resetOne", "Default", r.defaultLabel()), func() {
			r.set(r.field.Default)
			r.edited()
		})
		r.reset.Importance = widget.LowImportance
		r.slot.Objects = []fyne.CanvasObject{r.reset}
		r.slot.Refresh()
		return
	}
	if can == r.reset.Disabled() {
		if can {
			r.reset.Enable()
		} else {
			r.reset.Disable()
		}
	}
}

// isNil tells whether a Disableable holds a nil widget pointer.
func isNil(w fyne.Disableable) bool {
	switch x := w.(type) {
	case *widget.Select:
		return x == nil
	case *widget.Check:
		return x == nil
	case *widget.Slider:
		return x == nil
	case *widget.Entry:
		return x == nil
	}
	return w == nil
}

// matches tells whether the row holds every word.
func (r *settingRow) matches(words []string) bool {
	if len(words) == 0 {
		return true
	}
	f := r.field
	hay := strings.ToLower(strings.Join([]string{f.Label, f.Name, f.Help, f.Category}, " "))
	for _, c := range f.Choices {
		hay += " " + strings.ToLower(c.Label)
	}
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
