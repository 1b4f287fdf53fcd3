package kernel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-zeromq/zmq4"
)

// publisher is the Publisher of one request. It holds only the request's header and
// routing identities, so it stays valid after the request ended; all its methods are
// safe for concurrent use (Kernel.publish serialises the socket).
type publisher struct {
	k          *Kernel
	parent     []byte   // the request's raw header: parent_header of everything sent
	ids        [][]byte // the shell client's identities, which its stdin socket shares
	allowStdin bool
}

var _ Publisher = (*publisher)(nil)

type (
	streamContent struct {
		Name string `json:"name"`
		Text string `json:"text"`
	}
	displayContent struct {
		Data      MIMEBundle     `json:"data"`
		Metadata  map[string]any `json:"metadata"`
		Transient transient      `json:"transient"`
	}
	transient struct {
		DisplayID string `json:"display_id,omitempty"`
	}
	clearOutputContent struct {
		Wait bool `json:"wait"`
	}
	inputRequestContent struct {
		Prompt   string `json:"prompt"`
		Password bool   `json:"password"`
	}
)

func (p *publisher) Stream(name, text string) {
	p.k.publish(p.parent, "stream", streamContent{Name: name, Text: text})
}

func (p *publisher) Display(data MIMEBundle, metadata map[string]any, displayID string) {
	p.display("display_data", data, metadata, displayID)
}

func (p *publisher) UpdateDisplay(data MIMEBundle, metadata map[string]any, displayID string) {
	p.display("update_display_data", data, metadata, displayID)
}

func (p *publisher) display(msgType string, data MIMEBundle, metadata map[string]any, displayID string) {
	if data == nil {
		data = MIMEBundle{}
	}
	if metadata == nil {
		metadata = map[string]any{}
	}
	p.k.publish(p.parent, msgType, displayContent{Data: data, Metadata: metadata, Transient: transient{DisplayID: displayID}})
}

func (p *publisher) ClearOutput(wait bool) {
	p.k.publish(p.parent, "clear_output", clearOutputContent{Wait: wait})
}

// Input sends input_request on stdin to the client that sent the request and waits for
// its input_reply. One request is pending at a time; other callers wait their turn.
func (p *publisher) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if !p.allowStdin {
		return "", ErrStdinNotAllowed
	}
	k := p.k
	k.inputMu.Lock()
	defer k.inputMu.Unlock()
	// A reply that arrived for an abandoned request is not this one's answer.
	select {
	case <-k.inputCh:
	default:
	}
	c, err := json.Marshal(inputRequestContent{Prompt: prompt, Password: password})
	if err != nil {
		return "", fmt.Errorf("encoding input_request: %w", err)
	}
	h, err := json.Marshal(newHeader(k.session, "input_request"))
	if err != nil {
		return "", fmt.Errorf("encoding input_request: %w", err)
	}
	if k.closing() {
		return "", ErrClosed
	}
	frames := encode(p.ids, h, p.parent, []byte(emptyObject), c, nil, k.signer)
	if err := k.stdin.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return "", fmt.Errorf("sending input_request: %w", err)
	}
	select {
	case r := <-k.inputCh:
		return r.value, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-k.done:
		return "", ErrClosed
	}
}

// Active returns the publisher of the execute request running now, else p.
func (p *publisher) Active() Publisher {
	if a := p.k.active.Load(); a != nil {
		return a
	}
	return p
}
