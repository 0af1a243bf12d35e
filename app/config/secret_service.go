//go:build !windows && !darwin

package config

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
)

// secretService keeps the password in the freedesktop Secret Service
// (org.freedesktop.secrets: GNOME Keyring, KWallet, KeePassXC) on the D-Bus
// session bus, as one item of the default collection with the attributes
// application=earshot and earshot-data=<data folder>, so each data folder has
// its own password. The secret travels over the bus encrypted
// (dh-ietf1024-sha256-aes128-cbc-pkcs7), or in the "plain" session when the
// service offers no other.
//
// Only a running service is used (no D-Bus activation), and a collection that
// is locked and would need a prompt to unlock counts as not available: a
// headless earshotd cannot answer a prompt.
type secretService struct {
	bus  string // the session bus address; "" = none
	data string // the data folder, the item's attribute
	// plainOnly skips the encrypted session (tests use both).
	plainOnly bool
}

// sessionBusAddress returns the session bus of environ: DBUS_SESSION_BUS_ADDRESS,
// else $XDG_RUNTIME_DIR/bus when that socket exists; "" when there is none.
// It never autolaunches a bus.
func sessionBusAddress(environ []string) string {
	var addr, runtime string
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "DBUS_SESSION_BUS_ADDRESS="); ok {
			addr = v
		}
		if v, ok := strings.CutPrefix(kv, "XDG_RUNTIME_DIR="); ok {
			runtime = v
		}
	}
	if addr != "" {
		return addr
	}
	if runtime != "" && filepath.IsAbs(runtime) {
		p := filepath.Join(runtime, "bus")
		if st, err := os.Stat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p
		}
	}
	return ""
}

const (
	ssName       = "org.freedesktop.secrets"
	ssPath       = dbus.ObjectPath("/org/freedesktop/secrets")
	ssService    = "org.freedesktop.Secret.Service"
	ssCollection = "org.freedesktop.Secret.Collection"
	ssItem       = "org.freedesktop.Secret.Item"
	// maxSecretItems bounds the items one search may return.
	maxSecretItems = 64
)

func (s secretService) kind() string { return "Secret Service" }

// ssSecret is the Secret Service's Secret struct (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// ssConn is one connection with an open session on the default collection.
type ssConn struct {
	ctx        context.Context
	conn       *dbus.Conn
	session    dbus.ObjectPath
	key        []byte // AES-128 key of the dh session; nil = plain
	collection dbus.ObjectPath
}

func (c *ssConn) call(path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return c.conn.Object(ssName, path).CallWithContext(c.ctx, method, dbus.FlagNoAutoStart, args...)
}

// open connects, opens a session and finds the default collection, unlocked.
func (s secretService) open(ctx context.Context) (*ssConn, error) {
	if s.bus == "" {
		return nil, fmt.Errorf("%w: no D-Bus session bus", errUnavailable)
	}
	conn, err := dbus.Connect(s.bus, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%w: D-Bus session bus: %v", errUnavailable, err)
	}
	c := &ssConn{ctx: ctx, conn: conn}
	if err := c.openSession(s.plainOnly); err != nil {
		c.close()
		return nil, err
	}
	var coll dbus.ObjectPath
	if err := c.call(ssPath, ssService+".ReadAlias", "default").Store(&coll); err != nil {
		c.close()
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	if coll == "/" || !coll.IsValid() {
		c.close()
		return nil, fmt.Errorf("%w: no default collection", errUnavailable)
	}
	c.collection = coll
	var locked dbus.Variant
	if err := c.call(coll, "org.freedesktop.DBus.Properties.Get", ssCollection, "Locked").Store(&locked); err != nil {
		c.close()
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	if l, _ := locked.Value().(bool); l {
		var unlocked []dbus.ObjectPath
		var prompt dbus.ObjectPath
		err := c.call(ssPath, ssService+".Unlock", []dbus.ObjectPath{coll}).Store(&unlocked, &prompt)
		if err != nil || prompt != "/" || len(unlocked) == 0 {
			c.close()
			return nil, fmt.Errorf("%w: the default collection is locked and unlocking it needs a prompt", errUnavailable)
		}
	}
	return c, nil
}

func (c *ssConn) close() {
	if c.session != "" {
		c.call(c.session, "org.freedesktop.Secret.Session.Close")
	}
	c.conn.Close()
}

// The second Oakley group (RFC 2409), the dh-ietf1024 algorithm's group.
var dhPrime, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"+
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"+
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"+
	"FFFFFFFFFFFFFFFF", 16)

func (c *ssConn) openSession(plainOnly bool) error {
	var out dbus.Variant
	if !plainOnly {
		priv, err := rand.Int(rand.Reader, new(big.Int).Sub(dhPrime, big.NewInt(2)))
		if err != nil {
			return err
		}
		priv.Add(priv, big.NewInt(1))
		pub := new(big.Int).Exp(big.NewInt(2), priv, dhPrime)
		err = c.call(ssPath, ssService+".OpenSession", "dh-ietf1024-sha256-aes128-cbc-pkcs7", dbus.MakeVariant(pub.Bytes())).
			Store(&out, &c.session)
		if err == nil {
			peerBytes, ok := out.Value().([]byte)
			peer := new(big.Int).SetBytes(peerBytes)
			if !ok || peer.Cmp(big.NewInt(1)) <= 0 || peer.Cmp(dhPrime) >= 0 {
				return fmt.Errorf("%w: the Secret Service sent a bad public key", errUnavailable)
			}
			shared := new(big.Int).Exp(peer, priv, dhPrime).FillBytes(make([]byte, 128))
			c.key, err = hkdf.Key(sha256.New, shared, nil, "", 16)
			return err
		}
		var dbusErr dbus.Error
		if !errors.As(err, &dbusErr) || dbusErr.Name != "org.freedesktop.DBus.Error.NotSupported" {
			return fmt.Errorf("%w: %v", errUnavailable, err)
		}
	}
	if err := c.call(ssPath, ssService+".OpenSession", "plain", dbus.MakeVariant("")).Store(&out, &c.session); err != nil {
		return fmt.Errorf("%w: %v", errUnavailable, err)
	}
	return nil
}

func (c *ssConn) seal(secret string) (ssSecret, error) {
	out := ssSecret{Session: c.session, Parameters: []byte{}, ContentType: "text/plain; charset=utf8"}
	if c.key == nil {
		out.Value = []byte(secret)
		return out, nil
	}
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return out, err
	}
	pad := aes.BlockSize - len(secret)%aes.BlockSize
	plain := append([]byte(secret), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out.Parameters = make([]byte, aes.BlockSize)
	if _, err := rand.Read(out.Parameters); err != nil {
		return out, err
	}
	out.Value = make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, out.Parameters).CryptBlocks(out.Value, plain)
	return out, nil
}

func (c *ssConn) open(sec ssSecret) (string, error) {
	if len(sec.Value) > maxSecretFile {
		return "", fmt.Errorf("the stored secret is %d bytes, more than a password can be", len(sec.Value))
	}
	plain := sec.Value
	if c.key != nil {
		if len(sec.Parameters) != aes.BlockSize || len(sec.Value) == 0 || len(sec.Value)%aes.BlockSize != 0 {
			return "", errors.New("the stored secret came back damaged")
		}
		block, err := aes.NewCipher(c.key)
		if err != nil {
			return "", err
		}
		plain = make([]byte, len(sec.Value))
		cipher.NewCBCDecrypter(block, sec.Parameters).CryptBlocks(plain, sec.Value)
		pad := int(plain[len(plain)-1])
		if pad == 0 || pad > aes.BlockSize || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
			return "", errors.New("the stored secret came back damaged")
		}
		plain = plain[:len(plain)-pad]
	}
	if !utf8.Valid(plain) {
		return "", errors.New("the stored secret is not valid text")
	}
	return string(plain), nil
}

func (s secretService) attributes() map[string]string {
	return map[string]string{"xdg:schema": "app.earshot.Password", "application": "earshot", "earshot-data": s.data}
}

func (c *ssConn) search(attrs map[string]string) ([]dbus.ObjectPath, error) {
	var items []dbus.ObjectPath
	if err := c.call(c.collection, ssCollection+".SearchItems", attrs).Store(&items); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if len(items) > maxSecretItems {
		items = items[:maxSecretItems]
	}
	return items, nil
}

func (s secretService) probe(ctx context.Context) error {
	c, err := s.open(ctx)
	if err != nil {
		return err
	}
	c.close()
	return nil
}

func (s secretService) load(ctx context.Context) (string, bool, error) {
	c, err := s.open(ctx)
	if err != nil {
		return "", false, err
	}
	defer c.close()
	items, err := c.search(s.attributes())
	if err != nil || len(items) == 0 {
		return "", false, err
	}
	var sec ssSecret
	if err := c.call(items[0], ssItem+".GetSecret", c.session).Store(&sec); err != nil {
		return "", false, fmt.Errorf("GetSecret: %w", err)
	}
	v, err := c.open(sec)
	return v, err == nil, err
}

func (s secretService) save(ctx context.Context, secret string) error {
	c, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	sec, err := c.seal(secret)
	if err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		ssItem + ".Label":      dbus.MakeVariant("Earshot password (" + s.data + ")"),
		ssItem + ".Attributes": dbus.MakeVariant(s.attributes()),
	}
	var item, prompt dbus.ObjectPath
	if err := c.call(c.collection, ssCollection+".CreateItem", props, sec, true).Store(&item, &prompt); err != nil {
		return fmt.Errorf("CreateItem: %w", err)
	}
	if prompt != "/" {
		return fmt.Errorf("%w: storing the password needs a prompt", errUnavailable)
	}
	return nil
}

func (s secretService) remove(ctx context.Context) error {
	c, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	items, err := c.search(s.attributes())
	if err != nil {
		return err
	}
	for _, item := range items {
		var prompt dbus.ObjectPath
		if err := c.call(item, ssItem+".Delete").Store(&prompt); err != nil {
			return fmt.Errorf("Delete: %w", err)
		}
		if prompt != "/" {
			return fmt.Errorf("%w: deleting the password needs a prompt", errUnavailable)
		}
	}
	return nil
}
