package views

// The Call history list: its rows (a heading per day, then the day's calls
// and camera sessions, newest first) and how each row is drawn.

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/translations"
)

// historyRows interleaves calls and sessions newest first under a heading
// per day; at most historyListLimit entries when capped.
func historyRows(d historyData, capped bool, loc *time.Location) []historyRow {
	totals := map[time.Time]calls.DayTotal{}
	for _, t := range d.days {
		totals[midnight(t.Day.In(loc))] = t
	}
	var rows []historyRow
	var lastDay time.Time
	ci, si, n := 0, 0, 0
	for ci < len(d.calls) || si < len(d.sessions) {
		if capped && n >= historyListLimit {
			break
		}
		var r historyRow
		var start time.Time
		if si >= len(d.sessions) || (ci < len(d.calls) && !d.calls[ci].Start.Before(d.sessions[si].Start)) {
			r.call = &d.calls[ci]
			start = r.call.Start
			ci++
		} else {
			r.session = &d.sessions[si]
			start = r.session.Start
			si++
		}
		day := midnight(start.In(loc))
		if !day.Equal(lastDay) {
			t, ok := totals[day]
			if !ok {
				t = calls.DayTotal{Day: day}
			}
			rows = append(rows, historyRow{day: &t})
			lastDay = day
		}
		rows = append(rows, r)
		n++
	}
	return rows
}

// setRowHeights makes day headings one line high and entries two (the list
// keeps a height per row index, so every index is set again).
func (h *HistoryPage) setRowHeights() {
	if h.entryHeight == 0 {
		h.entryHeight = h.newRow().MinSize().Height
		h.headingHeight = widget.NewRichTextWithText("Mon 1 Jan").MinSize().Height
	}
	for i, r := range h.rows {
		if r.day != nil {
			h.list.SetItemHeight(i, h.headingHeight)
		} else {
			h.list.SetItemHeight(i, h.entryHeight)
		}
	}
}

// A list row is a stack of a day heading and an entry; each update shows one.
func (h *HistoryPage) newRow() fyne.CanvasObject {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameHeaderBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	// Placeholder text, so the template measures as tall as a real row.
	dayText := widget.NewRichText(&widget.TextSegment{Text: "Mon 1 Jan", Style: widget.RichTextStyle{Inline: true}})
	// The day's totals end with "…" in a narrow list (German at 800 px),
	// never cut off mid-letter.
	totals := widget.NewRichText(&widget.TextSegment{Text: "0 calls", Style: widget.RichTextStyle{Inline: true}})
	totals.Truncation = fyne.TextTruncateEllipsis
	heading := container.NewStack(bg, container.NewBorder(nil, nil, dayText, nil, totals))
	icon := widget.NewIcon(nil)
	text := widget.NewRichText(
		&widget.TextSegment{Text: "00:00 Device", Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Bold: true}}},
		&widget.TextSegment{Text: "0 mutes", Style: widget.RichTextStyle{SizeName: theme.SizeNameCaptionText}})
	text.Truncation = fyne.TextTruncateEllipsis
	right := widget.NewRichText(&widget.TextSegment{Text: "0 min", Style: widget.RichTextStyle{Inline: true}})
	entry := container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(24), icon)),
		container.NewCenter(right), text)
	return container.NewStack(heading, entry)
}

func (h *HistoryPage) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(h.rows) {
		return
	}
	r := h.rows[id]
	stack := o.(*fyne.Container)
	heading, entry := stack.Objects[0].(*fyne.Container), stack.Objects[1].(*fyne.Container)
	t := h.t
	if r.day != nil {
		entry.Hide()
		heading.Show()
		heading.Objects[0].(*canvas.Rectangle).FillColor = theme.Color(theme.ColorNameHeaderBackground)
		// Border puts the centre object first, then the left one.
		line := heading.Objects[1].(*fyne.Container)
		totals, date := line.Objects[0].(*widget.RichText), line.Objects[1].(*widget.RichText)
		date.Segments = []widget.RichTextSegment{
			&widget.TextSegment{Text: dateText(t, r.day.Day), Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}}},
		}
		totals.Segments = []widget.RichTextSegment{
			&widget.TextSegment{Text: dayTotalsText(t, *r.day), Style: widget.RichTextStyle{Inline: true, ColorName: theme.ColorNamePlaceHolder}},
		}
		date.Refresh()
		totals.Refresh()
		heading.Refresh()
		return
	}
	heading.Hide()
	entry.Show()
	// Border puts the centre object first, then left and right.
	text := entry.Objects[0].(*widget.RichText)
	icon := entry.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects[0].(*widget.Icon)
	right := entry.Objects[2].(*fyne.Container).Objects[0].(*widget.RichText)
	loc := h.data.now.Location()
	var title, sub, value string
	var kind string
	switch {
	case r.call != nil:
		c := r.call
		kind = c.DeviceKind
		title = clockText(c.Start.In(loc)) + "  " + c.DeviceName
		sub = callSubtitle(t, *c)
		value = longDuration(t, c.Duration())
	case r.session != nil:
		s := r.session
		kind = "camera"
		title = clockText(s.Start.In(loc)) + "  " + s.DeviceName
		sub = calls.KindText(t, calls.KindCameraSession)
		if s.PeopleCountMax != nil {
			sub += " · " + t.N("history.people", *s.PeopleCountMax)
		}
		value = longDuration(t, s.End.Sub(s.Start))
	}
	icon.SetResource(theme.NewPrimaryThemedResource(kindIcon(kind)))
	text.Segments = []widget.RichTextSegment{
		&widget.TextSegment{Text: title, Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Bold: true}}},
		&widget.TextSegment{Text: sub, Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText}},
	}
	text.Refresh()
	right.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: value, Style: widget.RichTextStyle{Inline: true}}}
	right.Refresh()
}

// callSubtitle is a call's second line: its presses and how it ended when
// that was not the usual way.
func callSubtitle(t *translations.Translator, c calls.Record) string {
	s := t.N("history.mutes", c.Mutes())
	if c.CallEndReason != "" && c.CallEndReason != calls.EndNormal {
		s += " · " + calls.EndReasonText(t, c.CallEndReason)
	}
	return s
}
