package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/assets"
)

// navBar is the column on the left of the main window: the app's name and
// one button per page (Devices first). Tab reaches the buttons; Ctrl+1…9
// selects a page from anywhere (see MainWindow.bindShortcuts).
type navBar struct {
	buttons []*widget.Button
	root    fyne.CanvasObject
}

type navEntry struct {
	title string
	icon  fyne.Resource
	open  func()
}

// newNavBar builds the bar; bottom, when not nil, sits at its foot (the
// presence selector).
func newNavBar(appName string, entries []navEntry, bottom fyne.CanvasObject) *navBar {
	n := &navBar{}
	logo := canvas.NewImageFromResource(fyne.NewStaticResource("earshot.png", assets.AppIconPNG()))
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(28))
	name := widget.NewLabelWithStyle(appName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	items := container.NewVBox(container.NewHBox(logo, name), widget.NewSeparator())
	for _, e := range entries {
		b := widget.NewButtonWithIcon(e.title, e.icon, e.open)
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		n.buttons = append(n.buttons, b)
		items.Add(b)
	}
	pad := 2 * theme.Padding()
	var column fyne.CanvasObject = items
	if bottom != nil {
		column = container.NewBorder(items, bottom, nil, nil)
	}
	n.root = container.NewHBox(container.New(layout.NewCustomPaddedLayout(pad, pad, pad, 0), column), widget.NewSeparator())
	return n
}

// selectIndex marks button i as the current page.
func (n *navBar) selectIndex(i int) {
	for j, b := range n.buttons {
		want := widget.LowImportance
		if j == i {
			want = widget.MediumImportance
		}
		if b.Importance != want {
			b.Importance = want
			b.Refresh()
		}
	}
}
