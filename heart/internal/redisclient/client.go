// Package redisclient is a minimal Redis client speaking RESP2 over TCP,
// covering only what heart-display needs: PING, INCRBY and GET. A full client
// library would be a large dependency for three commands.
//
// Every command is bounded by its context deadline (or DefaultTimeout), and
// the number of concurrent commands is capped like a connection pool: when
// the cap is reached and no slot frees up before the deadline, the command
// fails — the "pool exhausted" failure the circuit breaker exists for.
package redisclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// DefaultTimeout bounds commands whose context has no deadline.
const DefaultTimeout = time.Second

// ErrPoolExhausted means no connection slot became free before the deadline.
var ErrPoolExhausted = errors.New("redis: connection pool exhausted")

// ServerError is an error reply ("-ERR ...") from Redis. The connection
// stays usable after one.
type ServerError string

func (e ServerError) Error() string { return "redis: " + string(e) }

// Client is safe for concurrent use.
type Client struct {
	addr  string
	slots chan struct{} // one token per allowed concurrent command
	idle  chan *conn    // reusable connections
}

type conn struct {
	net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// New returns a client for addr ("host:port") allowing at most poolSize
// concurrent commands (and idle connections).
func New(addr string, poolSize int) *Client {
	poolSize = max(poolSize, 1)
	return &Client{
		addr:  addr,
		slots: make(chan struct{}, poolSize),
		idle:  make(chan *conn, poolSize),
	}
}

// Ping checks that the server answers.
func (c *Client) Ping(ctx context.Context) error {
	reply, err := c.do(ctx, "PING")
	if err != nil {
		return err
	}
	if reply.kind != '+' || reply.str != "PONG" {
		return fmt.Errorf("redis: unexpected PING reply %q", reply.str)
	}
	return nil
}

// IncrBy adds n to key and returns its new value.
func (c *Client) IncrBy(ctx context.Context, key string, n int64) (int64, error) {
	reply, err := c.do(ctx, "INCRBY", key, strconv.FormatInt(n, 10))
	if err != nil {
		return 0, err
	}
	if reply.kind != ':' {
		return 0, fmt.Errorf("redis: INCRBY returned type %q, want integer", reply.kind)
	}
	return reply.num, nil
}

// Get returns the value of key; found is false when the key does not exist.
func (c *Client) Get(ctx context.Context, key string) (value string, found bool, err error) {
	reply, err := c.do(ctx, "GET", key)
	if err != nil {
		return "", false, err
	}
	if reply.kind != '$' {
		return "", false, fmt.Errorf("redis: GET returned type %q, want bulk string", reply.kind)
	}
	return reply.str, !reply.null, nil
}

// Close drops idle connections. Commands in flight finish normally.
func (c *Client) Close() {
	for {
		select {
		case cn := <-c.idle:
			cn.Close()
		default:
			return
		}
	}
}

func (c *Client) do(ctx context.Context, args ...string) (reply, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return reply{}, ErrPoolExhausted
	}
	cn, err := c.conn(ctx)
	if err != nil {
		return reply{}, err
	}
	r, err := cn.roundTrip(ctx, args)
	if err != nil && !isServerError(err) {
		cn.Close() // the stream may be out of sync; never reuse it
		return reply{}, err
	}
	c.release(cn)
	return r, err
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

func (c *Client) conn(ctx context.Context) (*conn, error) {
	select {
	case cn := <-c.idle:
		return cn, nil
	default:
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("redis: dial %s: %w", c.addr, err)
	}
	return &conn{Conn: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}, nil
}

func (c *Client) release(cn *conn) {
	select {
	case c.idle <- cn:
	default:
		cn.Close()
	}
}

func (cn *conn) roundTrip(ctx context.Context, args []string) (reply, error) {
	deadline, _ := ctx.Deadline()
	if err := cn.SetDeadline(deadline); err != nil {
		return reply{}, err
	}
	if err := writeCommand(cn.w, args); err != nil {
		return reply{}, fmt.Errorf("redis: write: %w", err)
	}
	r, err := readReply(cn.r)
	if err != nil {
		return reply{}, err
	}
	if r.kind == '-' {
		return r, ServerError(r.str)
	}
	return r, nil
}

func isServerError(err error) bool {
	var se ServerError
	return errors.As(err, &se)
}

// writeCommand encodes args as a RESP array of bulk strings.
func writeCommand(w *bufio.Writer, args []string) error {
	fmt.Fprintf(w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
	}
	return w.Flush()
}

// reply is one decoded RESP value; arrays are not needed and rejected.
type reply struct {
	kind byte // '+', '-', ':' or '$'
	str  string
	num  int64
	null bool
}

// maxBulk bounds a bulk reply; heart-display only reads small counters.
const maxBulk = 1 << 20

func readReply(r *bufio.Reader) (reply, error) {
	line, err := readLine(r)
	if err != nil {
		return reply{}, err
	}
	if len(line) == 0 {
		return reply{}, errors.New("redis: empty reply line")
	}
	kind, body := line[0], line[1:]
	switch kind {
	case '+', '-':
		return reply{kind: kind, str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return reply{}, fmt.Errorf("redis: bad integer reply %q", body)
		}
		return reply{kind: kind, num: n}, nil
	case '$':
		return readBulk(r, body)
	default:
		return reply{}, fmt.Errorf("redis: unsupported reply type %q", kind)
	}
}

func readBulk(r *bufio.Reader, header string) (reply, error) {
	n, err := strconv.Atoi(header)
	if err != nil || n < -1 || n > maxBulk {
		return reply{}, fmt.Errorf("redis: bad bulk length %q", header)
	}
	if n == -1 {
		return reply{kind: '$', null: true}, nil
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return reply{}, fmt.Errorf("redis: read: %w", err)
	}
	if buf[n] != '\r' || buf[n+1] != '\n' {
		return reply{}, errors.New("redis: bulk string not terminated by CRLF")
	}
	return reply{kind: '$', str: string(buf[:n])}, nil
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("redis: read: %w", err)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return "", errors.New("redis: reply line not terminated by CRLF")
	}
	return line[:len(line)-2], nil
}
