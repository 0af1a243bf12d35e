package views

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/translations"
)

func detailsHead(name, when string) fyne.CanvasObject {
	head := widget.NewRichText(
		&widget.TextSegment{Text: name, Style: widget.RichTextStyleSubHeading},
		&widget.TextSegment{Text: when, Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}},
	)
	head.Wrapping = fyne.TextWrapWord
	return head
}

func callDetails(t *translations.Translator, c calls.Record, loc *time.Location) []fyne.CanvasObject {
	start, end := c.Start.In(loc), c.End.In(loc)
	objs := []fyne.CanvasObject{
		detailsHead(c.DeviceName, dateText(t, start)+", "+clockText(start)+"–"+clockText(end)),
		detailSection(t.T("history.section.call"), []row{
			{t.T("history.field.duration"), longDuration(t, c.Duration())},
			{t.T("history.field.endReason"), calls.EndReasonText(t, c.CallEndReason)},
			{t.T("history.field.mutes"), countText(t, c.TimesMuteButtonPressedDuringCall)},
			{t.T("history.field.volumeUp"), countText(t, c.TimesVolumeUpButtonPressedDuringCall)},
			{t.T("history.field.volumeDown"), countText(t, c.TimesVolumeDownButtonPressedDuringCall)},
		}),
	}
	quality := []row{
		{t.T("history.field.audioAvg"), dbText(t, c.AverageAudioExposureDb)},
		{t.T("history.field.audioMax"), dbText(t, c.MaximumAudioExposureDb)},
		{t.T("history.field.noiseAvg"), dbText(t, c.AverageBackgroundNoiseDb)},
		{t.T("history.field.noiseMax"), dbText(t, c.MaximumBackgroundNoiseDb)},
	}
	if c.TimesBoomArmBadlyPositioned != nil {
		quality = append(quality, row{t.T("history.field.boomArm"), strconv.Itoa(*c.TimesBoomArmBadlyPositioned)})
	}
	if c.MicrophoneMalfunctionDetected != nil {
		quality = append(quality, row{t.T("history.field.micMalfunction"), yesNo(t, *c.MicrophoneMalfunctionDetected)})
	}
	if c.LinkQualityDistribution != nil {
		quality = append(quality, row{t.T("history.field.linkQuality"), t.T("history.value.link",
			"High", num(c.LinkQualityDistribution["High"]), "Low", num(c.LinkQualityDistribution["Low"]))})
	}
	if c.LinkQualityIndicators != nil && c.LinkQualityIndicators.Dect != nil {
		quality = append(quality, row{t.T("history.field.dectHandovers"), strconv.Itoa(c.LinkQualityIndicators.Dect.Handovers)})
	}
	if !hasValue(quality) {
		quality = []row{{t.T("history.field.telemetry"), t.T("history.value.notReported")}}
	}
	objs = append(objs,
		detailSection(t.T("history.section.quality"), quality),
		detailSection(t.T("history.section.identity"), []row{
			{t.T("views.field.esn"), c.ESN},
			{t.T("history.field.callId"), c.CallID},
		}))
	return objs
}

func sessionDetails(t *translations.Translator, s calls.Session, loc *time.Location) []fyne.CanvasObject {
	start, end := s.Start.In(loc), s.End.In(loc)
	people := func(p *int) string {
		if p == nil {
			return t.T("history.value.unknown")
		}
		return strconv.Itoa(*p)
	}
	avg := t.T("history.value.unknown")
	if s.PeopleCountAverage != nil {
		avg = num(*s.PeopleCountAverage)
	}
	return []fyne.CanvasObject{
		detailsHead(s.DeviceName, dateText(t, start)+", "+clockText(start)+"–"+clockText(end)),
		detailSection(t.T("history.section.session"), []row{
			{t.T("history.field.duration"), longDuration(t, s.End.Sub(s.Start))},
			{t.T("history.field.endReason"), calls.EndReasonText(t, s.EndReason)},
			{t.T("history.field.peopleStart"), people(s.PeopleCountAtStart)},
			{t.T("history.field.peopleEnd"), people(s.PeopleCountAtEnd)},
			{t.T("history.field.peopleMin"), people(s.PeopleCountMin)},
			{t.T("history.field.peopleMax"), people(s.PeopleCountMax)},
			{t.T("history.field.peopleAvg"), avg},
		}),
		detailSection(t.T("history.section.identity"), []row{{t.T("views.field.esn"), s.ESN}}),
	}
}

func hasValue(rows []row) bool {
	for _, r := range rows {
		if r.value != "" {
			return true
		}
	}
	return false
}

// detailSection is a card of a call's or session's details for the narrow
// pane beside the list: each value under its label and wrapping between
// words, so no value is cut off or makes the pane wider (a German end
// reason, a long device name).
func detailSection(title string, rows []row) fyne.CanvasObject {
	box := container.NewVBox(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, r := range rows {
		if r.value == "" {
			continue
		}
		v := widget.NewLabel(r.value)
		v.Wrapping = fyne.TextWrapWord
		label := newCaption(r.label)
		label.Wrapping = fyne.TextWrapWord
		box.Add(container.NewVBox(label, v))
	}
	return widget.NewCard("", "", box)
}
