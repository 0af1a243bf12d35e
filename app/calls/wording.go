package calls

import (
	"slices"

	"github.com/earshot-app/earshot/store"
)

// Translator renders a message in the user's language;
// *translations.Translator has it.
type Translator interface {
	T(id string, kv ...any) string
}

// EndNormal is the end reason of a call or session that ended the usual
// way, for packages that do not import the store.
const EndNormal = store.EndNormal

// EndReasons are the stable tokens of why a call or a camera session ended
// (Record.CallEndReason), as `earshot calls --json` and --csv carry them
// (docs/command-line.md).
var EndReasons = []string{store.EndNormal, store.EndDeviceRemoved, store.EndStopped, store.EndInterrupted}

// Kinds are the stable tokens of what an entry of the history is
// (Record.Kind).
var Kinds = []string{KindCall, KindCameraSession}

// EndReasonText is how the window and the table word reason: the label of
// the token in the user's language; a token this version does not know is
// shown as it is.
func EndReasonText(t Translator, reason string) string {
	if !slices.Contains(EndReasons, reason) {
		return reason
	}
	return t.T("calls.reason." + reason)
}

// KindText is how the window and the table word kind ("Call", "Camera
// session"); "" is a call (a record from an older owner), a token this
// version does not know is shown as it is.
func KindText(t Translator, kind string) string {
	if kind == "" {
		kind = KindCall
	}
	if !slices.Contains(Kinds, kind) {
		return kind
	}
	return t.T("calls.kind." + kind)
}
