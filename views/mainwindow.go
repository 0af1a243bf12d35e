// Package views is Earshot's user interface: the main window with its device
// list and device pages, the tray menu and the low-battery notifications.
//
// It reads devices through the narrow DeviceSource interface and never
// imports device or store (house habit 2 in docs/ARCHITECTURE.md).
package views

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/translations"
)

// DeviceSource is what the main window needs of the core.
type DeviceSource interface {
	// Devices returns the attached devices in display order (parents before children).
	Devices() []app.DeviceSummary
	// Subscribe calls onChange, from any goroutine, whenever something changed.
	Subscribe(onChange func()) (cancel func())
}

// MainWindowParams are the dependencies of the main window.
type MainWindowParams struct {
	App     fyne.App
	Source  DeviceSource
	T       *translations.Translator
	Tray    bool // show a tray icon and hide the window on close instead of quitting
	Version string
	// Pages follow "Devices" in the navigation bar, in this order.
	Pages []Page
	// DeviceTabs follow "Overview" on every device page they apply to.
	DeviceTabs []DeviceTab
	// Presence, when set, adds the presence selector under the navigation
	// and to the tray menu, and the tray icon shows the state.
	Presence PresenceSource
	// NotifyInWindow shows notifications in a banner inside the window: the
	// desktop has no notification service to send them to. It is set before
	// the window exists, since the first notification may come at once.
	NotifyInWindow bool
	// FollowFocus is how often the window looks where the keyboard focus
	// went, to scroll the card that holds it into view; 0 never (tests call
	// followFocus).
	FollowFocus time.Duration
	// Rebuild, when set, builds new Pages and DeviceTabs, in the same order,
	// after a language change (SetLanguage): pages render their text when
	// they are built. The old ones are closed first (Closer). Without it
	// the window keeps its pages, which then show their old language.
	Rebuild func() (pages []Page, tabs []DeviceTab)
}

// WindowSize is the main window's size when the screen has room for it.
var WindowSize = fyne.NewSize(1000, 680)

// MainWindow is Earshot's main window: the device list and one page per device.
//
// Its methods must be called from the Fyne goroutine (or before the app runs).
type MainWindow struct {
	p       MainWindowParams
	win     fyne.Window
	list    *deviceList
	page    *devicePage
	tray    desktop.App // nil when there is no tray
	devices []app.DeviceSummary
	shown   string // ID of the device whose page is open; "" while the list shows
	alerts  lowBatteryAlerts
	nav     *navBar
	content *fyne.Container // holds the current page: the list, a device page or one of p.Pages
	pbox    *presenceBox    // nil without p.Presence
	trayKey string          // the tray icon shown now
	// banner shows notifications inside the window when the desktop has no
	// notification service (MainWindowParams.NotifyInWindow).
	banner    *noticeBar
	useBanner bool
	// seen is the open page's device as last seen attached: when it leaves,
	// its page stays, marked disconnected, until it comes back or the
	// person goes elsewhere (nothing moves under the pointer).
	seen    app.DeviceSummary
	confirm *dialog.ConfirmDialog // asking to drop pending edits; nil when not
	// lastFocus is the focused widget followFocus saw last.
	lastFocus fyne.Focusable
	// open is the page of p.Pages that shows; nil for the list and the
	// device pages.
	open Page
}

// NewMainWindow builds the main window, wires the tray when p.Tray is set and
// the driver has one, and follows p.Source until the window closes.
func NewMainWindow(p MainWindowParams) *MainWindow {
	w := &MainWindow{p: p, win: p.App.NewWindow(p.T.T("app.title")), alerts: lowBatteryAlerts{}, useBanner: p.NotifyInWindow}
	w.build()
	icon := fyne.NewStaticResource("earshot.png", assets.AppIconPNG())
	w.win.SetIcon(icon)
	w.win.Resize(WindowSize)
	w.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape && w.shown != "" {
			w.leave(w.ShowList)
		}
	})
	if d, ok := p.App.(desktop.App); ok && p.Tray {
		w.tray = d
		d.SetSystemTrayIcon(icon)
		d.SetSystemTrayWindow(w.win)
		w.win.SetCloseIntercept(w.win.Hide)
	} else {
		w.win.SetMaster()
	}
	w.nav.selectIndex(0)
	// The one boundary where background changes enter the UI (house habit 3 in docs/ARCHITECTURE.md).
	cancel := p.Source.Subscribe(func() { fyne.Do(w.refresh) })
	cancelPresence := func() {}
	if p.Presence != nil {
		cancelPresence = p.Presence.Subscribe(func() { fyne.Do(w.refreshPresence) })
	}
	stopFocus := func() {}
	if p.FollowFocus > 0 {
		stopFocus = w.followFocusEvery(p.FollowFocus)
	}
	w.win.SetOnClosed(func() {
		cancel()
		cancelPresence()
		stopFocus()
		closeAll(w.p.Pages)
		closeAll(w.p.DeviceTabs)
	})
	w.refresh()
	return w
}

// build makes everything the window shows in the Translator's language:
// the title, the navigation with the presence selector, the device list,
// the device page around p.DeviceTabs, the banner, and the Ctrl+1…9
// shortcuts. It follows nothing itself (the window's subscriptions call
// into whatever it built last), so building again leaks nothing.
func (w *MainWindow) build() {
	p := w.p
	w.win.SetTitle(p.T.T("app.title"))
	w.list = newDeviceList(p.T, p.Version, w.ShowDevice)
	w.page = newDevicePage(p.T, func() { w.leave(w.ShowList) }, p.DeviceTabs)
	entries := []navEntry{{title: p.T.T("views.nav.devices"), icon: kindIcon("headset"), open: func() { w.leave(w.ShowList) }}}
	for _, pg := range p.Pages {
		entries = append(entries, navEntry{title: pg.Title(), icon: pg.Icon(), open: func() { w.leave(func() { w.ShowPage(pg) }) }})
	}
	var bottom fyne.CanvasObject
	if p.Presence != nil {
		w.pbox = newPresenceBox(p.T, p.Presence, func(err error) { showErrorDialog(w.win, err) })
		bottom = w.pbox.root
	}
	w.nav = newNavBar(p.T.T("app.title"), entries, bottom)
	w.content = container.NewStack(w.list.root)
	old := w.banner
	w.banner = newNoticeBar(p.T)
	if old != nil && old.text != "" {
		w.banner.set(noticeWarning, old.text) // a notice already shown stays, as it was worded
	}
	framed := container.NewBorder(w.banner.root, nil, nil, nil, w.content)
	w.banner.onResize = newHeadFit(framed, w.banner.root).fit // the banner pushes the page down
	w.win.SetContent(container.NewBorder(nil, nil, w.nav.root, nil, framed))
	w.bindShortcuts(len(entries))
}

// SetLanguage makes lang the language of the window's Translator ("" =
// the OS's) and builds the window again in it (Retranslate). The
// Translator is shared with the services that hand the window their
// notifications, so those come in lang from then on too.
func (w *MainWindow) SetLanguage(lang string) {
	w.p.T.SetLanguage(lang)
	w.Retranslate()
}

// Retranslate builds the window's content again in the Translator's
// language, with new pages and tabs from p.Rebuild (the old ones closed),
// and keeps what was open: the same page, or the same device page on the
// same tab (a device that left stays shown as left). The title and the
// tray menu follow. A confirmation that was asking is dismissed, as if
// the person had chosen to stay. Edits a device tab held are lost; the
// Preferences page, where the language changes, is open then, and leaving
// the device page asked about them already.
func (w *MainWindow) Retranslate() {
	page := slices.Index(w.p.Pages, w.open)
	tab := -1
	if w.shown != "" {
		for i, dt := range w.p.DeviceTabs {
			if item, ok := w.page.items[dt]; ok && w.page.tabs.Selected() == item {
				tab = i
			}
		}
	}
	if w.confirm != nil {
		w.confirm.Hide()
		w.confirm = nil
	}
	w.win.Canvas().Unfocus()
	if w.p.Rebuild != nil {
		closeAll(w.p.Pages)
		closeAll(w.p.DeviceTabs)
		w.p.Pages, w.p.DeviceTabs = w.p.Rebuild()
	}
	w.open = nil
	w.build()
	w.refresh() // the list, the open device's page and its tabs, the tray menu
	switch {
	case w.shown != "":
		w.nav.selectIndex(0)
		w.setContent(w.page.root)
		if tab >= 0 && tab < len(w.p.DeviceTabs) {
			w.page.selectTab(w.p.DeviceTabs[tab])
		}
	case page >= 0 && page < len(w.p.Pages):
		w.ShowPage(w.p.Pages[page])
	default:
		w.ShowList()
	}
}

// Window returns the Fyne window.
func (w *MainWindow) Window() fyne.Window { return w.win }

// ShowList shows the device list.
func (w *MainWindow) ShowList() {
	w.shown, w.open = "", nil
	w.nav.selectIndex(0)
	w.setContent(w.list.root)
}

// ShowDevice opens the page of the device with the given ID; an unknown ID
// shows the list.
func (w *MainWindow) ShowDevice(id string) {
	d, ok := findDevice(w.devices, id)
	if !ok {
		w.ShowList()
		return
	}
	w.shown, w.seen, w.open = id, d, nil
	w.nav.selectIndex(0)
	w.page.show(d, false)
	w.setContent(w.page.root)
}

// ShowPage shows one of the pages given in MainWindowParams.Pages.
func (w *MainWindow) ShowPage(p Page) {
	for i, pg := range w.p.Pages {
		if pg == p {
			w.shown, w.open = "", p
			w.nav.selectIndex(i + 1)
			w.setContent(p.Content())
			p.Shown()
			return
		}
	}
}

// ShowTab selects a tab of the open device page (nil: Overview); it does
// nothing when no device page is open or the tab does not apply to its
// device.
func (w *MainWindow) ShowTab(tab DeviceTab) {
	if w.shown == "" {
		return
	}
	if tab == nil {
		w.page.tabs.Select(w.page.overview)
		return
	}
	w.page.selectTab(tab)
}

// current is what the content area shows now.
func (w *MainWindow) current() fyne.CanvasObject { return w.content.Objects[0] }

// setContent switches pages. It drops the keyboard focus first, so the widget
// that had it hears so, and Escape reaches the window's key handler.
func (w *MainWindow) setContent(page fyne.CanvasObject) {
	if w.current() != page {
		w.win.Canvas().Unfocus()
		w.content.Objects = []fyne.CanvasObject{page}
		w.content.Refresh()
	}
}

// bindShortcuts makes Ctrl+1…9 (Cmd on macOS) open the first n pages of the
// navigation bar.
func (w *MainWindow) bindShortcuts(n int) {
	keys := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}
	for i := 0; i < n && i < len(keys); i++ {
		b := w.nav.buttons[i]
		w.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: keys[i], Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) {
				if w.win.Canvas().Overlays().Top() == nil { // not while a dialog is open
					b.OnTapped()
				}
			})
	}
}

// refresh reads the devices again and brings every part of the UI up to date.
func (w *MainWindow) refresh() {
	w.devices = w.p.Source.Devices()
	for _, d := range w.alerts.crossed(w.devices) {
		w.Notify(lowBatteryNotification(w.p.T, d))
	}
	w.list.update(w.devices)
	w.refreshPresence()
	if w.shown != "" {
		d, ok := findDevice(w.devices, w.shown)
		if !ok {
			d, ok = findKey(w.devices, w.seen.Key) // back, perhaps under a new ID
		}
		if ok {
			w.shown, w.seen = d.ID, d
		} else {
			d = w.seen
			d.Connected, d.InCall, d.Streaming = false, false, false
		}
		w.page.show(d, !ok)
	}
}

// refreshPresence brings the presence selector, the tray menu and the tray
// icon up to date.
func (w *MainWindow) refreshPresence() {
	if w.p.Presence != nil {
		st := w.p.Presence.Status()
		w.pbox.refresh(st)
		if w.tray != nil {
			icon := presenceTrayIcon(stateColour(st))
			if icon.Name() != w.trayKey {
				w.trayKey = icon.Name()
				w.tray.SetSystemTrayIcon(icon)
			}
		}
	}
	if w.tray != nil {
		w.tray.SetSystemTrayMenu(w.trayMenu())
	}
}

// leave runs next, which moves away from the open device page, once the
// person agreed to drop the edits its tabs hold; without edits at once.
func (w *MainWindow) leave(next func()) {
	if w.shown == "" {
		next()
		return
	}
	n, name := 0, w.seen.DeviceName
	var pending []PendingTab
	for _, tab := range w.p.DeviceTabs {
		if pt, ok := tab.(PendingTab); ok && pt.Pending() > 0 {
			n += pt.Pending()
			pending = append(pending, pt)
		}
	}
	if n == 0 {
		next()
		return
	}
	w.nav.selectIndex(0) // still on the device page until the person says
	w.confirm = dialog.NewConfirm(w.p.T.T("views.leave.title"), w.p.T.N("views.leave.body", n, "Count", n, "Name", name),
		func(ok bool) {
			w.confirm = nil
			if !ok {
				return
			}
			for _, pt := range pending {
				pt.Discard()
			}
			next()
		}, w.win)
	w.confirm.SetConfirmText(w.p.T.T("views.leave.discard"))
	w.confirm.SetDismissText(w.p.T.T("views.leave.stay"))
	showDialog(w.win, w.confirm, nil) // Enter does not throw edits away
}

// Notify sends n as a desktop notification, or shows it in the window's
// banner (MainWindowParams.NotifyInWindow).
func (w *MainWindow) Notify(n *fyne.Notification) {
	if !NotificationsOn(w.p.App) {
		return // switched off in Preferences
	}
	if !w.useBanner {
		w.p.App.SendNotification(n)
		return
	}
	w.banner.set(noticeWarning, n.Title+" — "+n.Content)
}

// Banner is the text the window's banner shows ("" when hidden).
func (w *MainWindow) Banner() string { return w.banner.text }

func (w *MainWindow) showWindow() {
	w.win.Show()
	w.win.RequestFocus()
}

func findKey(devs []app.DeviceSummary, key string) (app.DeviceSummary, bool) {
	for _, d := range devs {
		if key != "" && d.Key == key {
			return d, true
		}
	}
	return app.DeviceSummary{}, false
}

func findDevice(devs []app.DeviceSummary, id string) (app.DeviceSummary, bool) {
	for _, d := range devs {
		if d.ID == id {
			return d, true
		}
	}
	return app.DeviceSummary{}, false
}
