package tls

import (
	"crypto/sha1" //nolint:gosec // upstream's sha1Fingerprint output
	ctls "crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	p "pipeline-service/tools/pulumi-providers/internal/provider"
)

// getCertificate: the certificates of a PEM chain (content) or of a TLS endpoint (url: https:// or tls://,
// fetched with the chain verified when verifyChain is true, the default).
func getCertificate(args p.Values) (p.Values, error) {
	content, rawURL := p.String(args, "content"), p.String(args, "url")
	if (content == "") == (rawURL == "") {
		return nil, errors.New("exactly one of content and url must be set")
	}
	verify := true
	if v, ok := args["verifyChain"].(bool); ok {
		verify = v
	}
	var certs []*x509.Certificate
	if content != "" {
		rest := []byte(content)
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("content: %w", err)
			}
			certs = append(certs, c)
		}
		if len(certs) == 0 {
			return nil, errors.New("content: no CERTIFICATE PEM block")
		}
	} else {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "tls") || u.Host == "" {
			return nil, fmt.Errorf("url must be https://host[:port] or tls://host:port, got %q", rawURL)
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "443")
		}
		conn, err := ctls.DialWithDialer(&net.Dialer{Timeout: 30 * time.Second}, "tcp", host,
			&ctls.Config{ServerName: u.Hostname(), InsecureSkipVerify: !verify}) //nolint:gosec // upstream's verifyChain=false
		if err != nil {
			return nil, fmt.Errorf("fetching the certificates of %s: %w", rawURL, err)
		}
		certs = conn.ConnectionState().PeerCertificates
		_ = conn.Close()
	}
	var list []any
	// Upstream lists the chain root first.
	for i := len(certs) - 1; i >= 0; i-- {
		c := certs[i]
		sum := sha1.Sum(c.Raw) //nolint:gosec
		list = append(list, map[string]any{
			"certPem":            pemString("CERTIFICATE", c.Raw),
			"isCa":               c.IsCA,
			"issuer":             c.Issuer.String(),
			"maxPathLength":      float64(c.MaxPathLen),
			"notAfter":           c.NotAfter.UTC().Format(time.RFC3339),
			"notBefore":          c.NotBefore.UTC().Format(time.RFC3339),
			"publicKeyAlgorithm": c.PublicKeyAlgorithm.String(),
			"serialNumber":       c.SerialNumber.String(),
			"sha1Fingerprint":    strings.ToLower(hex.EncodeToString(sum[:])),
			"signatureAlgorithm": c.SignatureAlgorithm.String(),
			"subject":            c.Subject.String(),
			"version":            float64(c.Version),
		})
	}
	out := p.Copy(args)
	out["certificates"] = list
	out["verifyChain"] = verify
	src := content
	if src == "" {
		src = rawURL
	}
	out["id"] = hashForState(src)
	return out, nil
}
