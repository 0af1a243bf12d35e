package views

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
)

// colourNames are the named colours of `earshot light` and the colour
// configuration keys, by #RRGGBB.
var colourNames = map[string]string{
	"#FF0000": "red", "#00FF00": "green", "#FFFF00": "yellow", "#0000FF": "blue",
	"#8000FF": "purple", "#FFFFFF": "white", "#000000": "off",
}

// colourChoices are the colours offered for a state, in display order.
var colourChoices = []string{"red", "green", "yellow", "blue", "purple", "white", "off"}

// colourLabel is the translated name of a colour given as #RRGGBB or a name;
// a colour without a name is shown as #RRGGBB.
func colourLabel(t *translations.Translator, hexOrName string) string {
	name := hexOrName
	if n, ok := colourNames[strings.ToUpper(hexOrName)]; ok {
		name = n
	}
	for _, c := range colourChoices {
		if c == name {
			return t.T("views.colour." + c)
		}
	}
	return hexOrName
}

// lightText says what a light shows: "Red", "Red, blinking", "Off".
func lightText(t *translations.Translator, l app.LightSummary) string {
	if !l.Lit() {
		return t.T("views.light.off")
	}
	name := colourLabel(t, l.Hex())
	if l.Blink {
		return t.T("views.light.blinking", "Colour", name)
	}
	return name
}

// rgb is a light's colour for drawing; an unlit light is drawn grey.
func rgb(r, g, b uint8, lit bool) color.Color {
	if !lit {
		return withAlpha(theme.Color(theme.ColorNamePlaceHolder), 0x60)
	}
	return color.NRGBA{R: r, G: g, B: b, A: 0xFF}
}

// swatch is a round dot of colour c with a thin rim, size across.
func swatch(c color.Color, size float32) fyne.CanvasObject {
	dot := canvas.NewCircle(c)
	dot.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	dot.StrokeWidth = 1
	return container.NewGridWrap(fyne.NewSquareSize(size), dot)
}

// lightPill is a device card's pill for its light: a dot in the light's
// colour and what it shows.
func lightPill(t *translations.Translator, l app.LightSummary) fyne.CanvasObject {
	txt := canvas.NewText(lightText(t, l), theme.Color(theme.ColorNameForeground))
	txt.TextSize = theme.CaptionTextSize()
	txt.TextStyle.Bold = true
	h := txt.MinSize().Height + 4
	back := canvas.NewRectangle(theme.Color(theme.ColorNameButton))
	back.CornerRadius = h / 2
	dot := swatch(rgb(l.R, l.G, l.B, l.Lit()), h-6)
	return container.NewCenter(container.NewStack(back,
		container.New(layout.NewCustomPaddedLayout(2, 2, 4, h/2), container.NewHBox(container.NewCenter(dot), txt))))
}
