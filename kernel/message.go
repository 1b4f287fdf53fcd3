package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// protocolVersion is the messaging protocol version this kernel speaks.
const protocolVersion = "5.3"

// delimiter separates the routing identities from the signed part of a message.
const delimiter = "<IDS|MSG>"

// msgHeader is a message header (and, as parent_header, the header of the request a message
// answers).
type msgHeader struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// message is one decoded wire message. The JSON parts other than the header stay raw:
// each request type decodes its own content, and a reply reuses the request's header
// frame verbatim as its parent_header.
type message struct {
	Identities   [][]byte
	Header       msgHeader
	RawHeader    json.RawMessage
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// Errors of decode; a message failing with any of them is dropped.
var (
	errNoDelimiter  = errors.New("no <IDS|MSG> delimiter")
	errTruncated    = errors.New("truncated message: fewer than 5 frames after the delimiter")
	errBadSignature = errors.New("bad signature")
	errNoMsgType    = errors.New("header has no msg_type")
)

// signer signs and checks messages with HMAC-SHA256. A nil key means no signing, as
// an empty "key" in the connection file says.
type signer struct {
	key []byte
}

// sign returns the lowercase hex HMAC of the four signed parts.
func (s signer) sign(header, parent, metadata, content []byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	var sum [sha256.Size]byte
	mac := hmac.New(sha256.New, s.key)
	mac.Write(header)
	mac.Write(parent)
	mac.Write(metadata)
	mac.Write(content)
	out := make([]byte, hex.EncodedLen(sha256.Size))
	hex.Encode(out, mac.Sum(sum[:0]))
	return out
}

// verify reports whether sig is the signature of the parts. The comparison takes the
// same time whatever the bytes, so a client cannot guess a signature byte by byte.
func (s signer) verify(sig, header, parent, metadata, content []byte) bool {
	if len(s.key) == 0 {
		return true
	}
	want := s.sign(header, parent, metadata, content)
	// Python's hexdigest is lowercase; accept uppercase hex too without a timing leak.
	return hmac.Equal(want, bytes.ToLower(sig))
}

// decode parses the frames of a multipart message and checks its signature. It returns
// an error, never a partial message, for anything malformed.
func decode(frames [][]byte, s signer) (*message, error) {
	d := -1
	for i, f := range frames {
		if string(f) == delimiter {
			d = i
			break
		}
	}
	if d < 0 {
		return nil, errNoDelimiter
	}
	rest := frames[d+1:]
	if len(rest) < 5 {
		return nil, errTruncated
	}
	sig, header, parent, metadata, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if !s.verify(sig, header, parent, metadata, content) {
		return nil, errBadSignature
	}
	m := &message{
		Identities:   frames[:d],
		RawHeader:    header,
		ParentHeader: parent,
		Metadata:     metadata,
		Content:      content,
		Buffers:      rest[5:],
	}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("invalid header: %w", err)
	}
	if !isObject(header) {
		return nil, fmt.Errorf("invalid header: not a JSON object")
	}
	if m.Header.MsgType == "" {
		return nil, errNoMsgType
	}
	for _, part := range []struct {
		name string
		data []byte
	}{{"parent_header", parent}, {"metadata", metadata}, {"content", content}} {
		if !json.Valid(part.data) || !isObject(part.data) {
			return nil, fmt.Errorf("invalid %s: not a JSON object", part.name)
		}
	}
	return m, nil
}

// isObject reports whether valid JSON data is an object.
func isObject(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// encode returns the frames of a message: identities, delimiter, signature, the four
// JSON parts, buffers.
func encode(ids [][]byte, header, parent, metadata, content []byte, buffers [][]byte, s signer) [][]byte {
	frames := make([][]byte, 0, len(ids)+6+len(buffers))
	frames = append(frames, ids...)
	frames = append(frames, []byte(delimiter), s.sign(header, parent, metadata, content),
		header, parent, metadata, content)
	return append(frames, buffers...)
}

// newHeader returns a fresh header of msgType for this kernel's session.
func newHeader(session, msgType string) msgHeader {
	return msgHeader{
		MsgID:    uuid.NewString(),
		Session:  session,
		Username: "runnel",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		MsgType:  msgType,
		Version:  protocolVersion,
	}
}

// emptyObject is the JSON of an absent parent_header or metadata.
const emptyObject = "{}"
