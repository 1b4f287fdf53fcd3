package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSignKnownVector(t *testing.T) {
	// The well-known HMAC-SHA256 of "The quick brown fox jumps over the lazy dog" under
	// "key": the four parts are signed as one concatenated text.
	s := signer{key: []byte("key")}
	got := s.sign([]byte("The quick brown "), []byte("fox jumps "), []byte("over the lazy"), []byte(" dog"))
	const want = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if string(got) != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
	parts := [][]byte{[]byte("The quick brown "), []byte("fox jumps "), []byte("over the lazy"), []byte(" dog")}
	if !s.verify([]byte(want), parts[0], parts[1], parts[2], parts[3]) {
		t.Error("verify rejects the right signature")
	}
	if !s.verify([]byte(strings.ToUpper(want)), parts[0], parts[1], parts[2], parts[3]) {
		t.Error("verify rejects the right signature in uppercase hex")
	}
	bad := []byte(want)
	bad[10] = '0'
	for _, sig := range [][]byte{bad, nil, []byte(want[:63]), []byte(want + "0")} {
		if s.verify(sig, parts[0], parts[1], parts[2], parts[3]) {
			t.Errorf("verify accepts %q", sig)
		}
	}
	if s.verify([]byte(want), parts[0], parts[1], parts[2], []byte(" cat")) {
		t.Error("verify accepts a changed content")
	}
	none := signer{}
	if sig := none.sign(parts[0], parts[1], parts[2], parts[3]); len(sig) != 0 {
		t.Errorf("sign without key = %q, want empty", sig)
	}
	if !none.verify([]byte("anything"), parts[0], parts[1], parts[2], parts[3]) {
		t.Error("without a key nothing is checked")
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := signer{key: []byte(testKey)}
	ids := [][]byte{[]byte("router-id"), {0, 1, 2}}
	header := []byte(`{"msg_id":"m1","session":"s","username":"u","date":"2026-11-23T19:00:00.000000Z","msg_type":"execute_request","version":"5.3"}`)
	parent := []byte(`{}`)
	metadata := []byte(`{"deletedCells":[]}`)
	body := []byte(`{"code":"fmt.Println(\"é\")","silent":false}`)
	buffers := [][]byte{[]byte("raw\x00bytes"), {}}

	frames := encode(ids, header, parent, metadata, body, buffers, s)
	if len(frames) != len(ids)+6+len(buffers) || string(frames[2]) != delimiter {
		t.Fatalf("frames = %q", frames)
	}
	m, err := decode(frames, s)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(m.Identities, ids) || !reflect.DeepEqual(m.Buffers, buffers) {
		t.Errorf("identities %q buffers %q", m.Identities, m.Buffers)
	}
	want := msgHeader{MsgID: "m1", Session: "s", Username: "u", Date: "2026-11-23T19:00:00.000000Z", MsgType: "execute_request", Version: "5.3"}
	if m.Header != want {
		t.Errorf("header = %+v", m.Header)
	}
	for name, pair := range map[string][2][]byte{
		"header": {m.RawHeader, header}, "parent": {m.ParentHeader, parent},
		"metadata": {m.Metadata, metadata}, "content": {m.Content, body},
	} {
		if !bytes.Equal(pair[0], pair[1]) {
			t.Errorf("%s = %s, want %s", name, pair[0], pair[1])
		}
	}
	again := encode(m.Identities, m.RawHeader, m.ParentHeader, m.Metadata, m.Content, m.Buffers, s)
	if !reflect.DeepEqual(again, frames) {
		t.Errorf("re-encoding differs:\n%q\n%q", again, frames)
	}
}

func TestDecodeRejects(t *testing.T) {
	s := signer{key: []byte(testKey)}
	h := []byte(`{"msg_id":"1","msg_type":"kernel_info_request"}`)
	signed := func(header, parent, metadata, content string) [][]byte {
		return encode(nil, []byte(header), []byte(parent), []byte(metadata), []byte(content), nil, s)
	}
	good := signed(string(h), "{}", "{}", "{}")
	if _, err := decode(good, s); err != nil {
		t.Fatalf("good message rejected: %v", err)
	}
	withSig := func(sig string) [][]byte {
		f := append([][]byte(nil), good...)
		f[1] = []byte(sig)
		return f
	}
	for _, tc := range []struct {
		name   string
		frames [][]byte
		want   error
		text   string
	}{
		{"empty", nil, errNoDelimiter, ""},
		{"no delimiter", [][]byte{[]byte("id"), []byte("x")}, errNoDelimiter, ""},
		{"truncated", good[:5], errTruncated, ""},
		{"missing signature", withSig(""), errBadSignature, ""},
		{"wrong signature", withSig(strings.Repeat("ab", 32)), errBadSignature, ""},
		{"header not JSON", signed(`{"msg_type":`, "{}", "{}", "{}"), nil, "invalid header"},
		{"header an array", signed(`["msg_type"]`, "{}", "{}", "{}"), nil, "invalid header"},
		{"no msg_type", signed(`{"msg_id":"1"}`, "{}", "{}", "{}"), errNoMsgType, ""},
		{"parent not JSON", signed(string(h), "{", "{}", "{}"), nil, "invalid parent_header"},
		{"metadata null", signed(string(h), "{}", "null", "{}"), nil, "invalid metadata"},
		{"content a string", signed(string(h), "{}", "{}", `"code"`), nil, "invalid content"},
		{"content trailing garbage", signed(string(h), "{}", "{}", `{} x`), nil, "invalid content"},
	} {
		m, err := decode(tc.frames, s)
		if err == nil {
			t.Errorf("%s: decoded %+v", tc.name, m)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if tc.text != "" && !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.text)
		}
	}
}

// splitFrames cuts fuzz input into frames at each 0xFF 0xFE pair, so the fuzzer can
// vary the frame count and every frame's bytes through one []byte.
func splitFrames(data []byte) [][]byte {
	return bytes.Split(data, []byte{0xFF, 0xFE})
}

func FuzzDecode(f *testing.F) {
	s := signer{key: []byte("fuzz-key")}
	join := func(frames [][]byte) []byte { return bytes.Join(frames, []byte{0xFF, 0xFE}) }
	f.Add(join(encode([][]byte{[]byte("id")}, []byte(`{"msg_id":"1","msg_type":"execute_request","session":"s","username":"u","date":"d","version":"5.3"}`),
		[]byte("{}"), []byte("{}"), []byte(`{"code":"1+1"}`), nil, s)))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := splitFrames(data)
		m, err := decode(frames, s)
		if err != nil {
			if m != nil {
				t.Fatal("decode returned a message with an error")
			}
			return
		}
		// Whatever decodes was signed with the key, is well-formed and re-encodes to the
		// same frames.
		if m.Header.MsgType == "" {
			t.Fatal("decoded a message without msg_type")
		}
		for _, part := range [][]byte{m.RawHeader, m.ParentHeader, m.Metadata, m.Content} {
			if !json.Valid(part) || !isObject(part) {
				t.Fatalf("decoded a part that is not a JSON object: %q", part)
			}
		}
		again := encode(m.Identities, m.RawHeader, m.ParentHeader, m.Metadata, m.Content, m.Buffers, s)
		if !reflect.DeepEqual(again, frames) {
			t.Fatalf("re-encoding differs:\n%q\n%q", again, frames)
		}
		if _, err := decode(frames, signer{key: []byte("other key")}); err == nil {
			t.Fatal("a message signed with one key decodes under another")
		}
	})
}

func TestConnectionFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write("ok.json", `{"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004,
		"hb_port": 5005, "ip": "127.0.0.1", "key": "abc", "transport": "tcp",
		"signature_scheme": "hmac-sha256", "kernel_name": "runnel"}`)
	info, err := ReadConnectionFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 5001, IOPubPort: 5002, StdinPort: 5003,
		ControlPort: 5004, HBPort: 5005, Key: "abc", SignatureScheme: "hmac-sha256", KernelName: "runnel"}
	if info != want {
		t.Errorf("info = %+v", info)
	}
	if ep := info.endpoint(info.ShellPort); ep != "tcp://127.0.0.1:5001" {
		t.Errorf("endpoint = %s", ep)
	}
	if ep := (ConnectionInfo{Transport: "tcp", IP: "::1"}).endpoint(7); ep != "tcp://[::1]:7" {
		t.Errorf("IPv6 endpoint = %s", ep)
	}
	if ep := (ConnectionInfo{Transport: "ipc", IP: "/tmp/kernel"}).endpoint(3); ep != "ipc:///tmp/kernel-3" {
		t.Errorf("ipc endpoint = %s", ep)
	}
	for name, text := range map[string]string{
		"scheme.json":    `{"ip": "127.0.0.1", "signature_scheme": "hmac-md5"}`,
		"transport.json": `{"ip": "127.0.0.1", "transport": "udp"}`,
		"noip.json":      `{"shell_port": 1}`,
		"port.json":      `{"ip": "127.0.0.1", "hb_port": 70000}`,
		"broken.json":    `{"ip": `,
	} {
		if _, err := ReadConnectionFile(write(name, text)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
	if _, err := ReadConnectionFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file gives no error")
	}
}

func TestOpenBindsWhereTheFileSays(t *testing.T) {
	// Take five free ports from a first kernel, close it, then ask for those exact ports.
	first, err := OpenInfo(ConnectionInfo{IP: "127.0.0.1"}, newStub(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	info := first.ConnectionInfo()
	first.Close()
	info.Key = "k"
	p := filepath.Join(t.TempDir(), "kernel.json")
	data, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := Open(p, newStub(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if got := k.ConnectionInfo(); got != info {
		t.Errorf("bound %+v, want %+v", got, info)
	}
	// A port in use is an error, not a silent move elsewhere.
	if _, err := OpenInfo(info, newStub(), testLogger(t)); err == nil || !strings.Contains(err.Error(), "binding shell socket") {
		t.Errorf("second Open on the same ports: err = %v", err)
	}
}

// TestFuzzDecodeCorpus pins what the committed seeds are: the fuzzer starts from both
// accepted and rejected messages.
func TestFuzzDecodeCorpus(t *testing.T) {
	s := signer{key: []byte("fuzz-key")}
	want := map[string]bool{
		"execute": true, "buffers": true, "unicode": true,
		"bad_signature": false, "truncated": false, "no_delimiter": false,
		"header_invalid": false, "content_array": false, "no_msg_type": false,
	}
	for name, ok := range want {
		text, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDecode", name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(text)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a fuzz corpus file", name)
		}
		quoted := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
		data, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = decode(splitFrames([]byte(data)), s)
		if (err == nil) != ok {
			t.Errorf("%s: decode err = %v, want success %v", name, err, ok)
		}
	}
}
