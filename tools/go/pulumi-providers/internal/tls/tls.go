// Package tls implements the resources and functions of @pulumi/tls 5.5.1 (upstream: the Terraform tls
// provider, bridged): keys, self-signed and locally signed certificates, CSRs, with upstream's inputs,
// defaults, outputs, IDs, replacement rules and early-renewal window.
package tls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // upstream's resource IDs and subject key IDs are SHA-1 (not a security use)
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	p "pipeline-service/tools/pulumi-providers/internal/provider"
)

// Resources is the table served by pulumi-resource-tls.
func Resources() map[string]p.Resource {
	return map[string]p.Resource{
		"tls:index/privateKey:PrivateKey":               privateKey(),
		"tls:index/selfSignedCert:SelfSignedCert":       certResource(true),
		"tls:index/locallySignedCert:LocallySignedCert": certResource(false),
		"tls:index/certRequest:CertRequest":             certRequest(),
	}
}

// Functions is the Invoke table.
func Functions() map[string]p.Function {
	return map[string]p.Function{
		"tls:index/getPublicKey:getPublicKey":     getPublicKey,
		"tls:index/getCertificate:getCertificate": getCertificate,
	}
}

// now is replaceable in tests of this package.
var now = time.Now

func hashForState(s string) string {
	sum := sha1.Sum([]byte(s)) //nolint:gosec
	return hex.EncodeToString(sum[:])
}

// --- keys --------------------------------------------------------------------------------------------------

var curves = map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}

func algorithmOf(key crypto.PrivateKey) (string, error) {
	switch key.(type) {
	case *rsa.PrivateKey:
		return "RSA", nil
	case *ecdsa.PrivateKey:
		return "ECDSA", nil
	case ed25519.PrivateKey:
		return "ED25519", nil
	}
	return "", fmt.Errorf("unsupported private key type %T", key)
}

func parsePrivateKeyPEM(s string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block found in the private key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "OPENSSH PRIVATE KEY":
		key, err = ssh.ParseRawPrivateKey([]byte(s))
		if k, ok := key.(*ed25519.PrivateKey); ok {
			key = *k
		}
	default:
		return nil, fmt.Errorf("unsupported PEM block %q (expected RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing the private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key type %T", key)
	}
	return signer, nil
}

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// keyOutputs: every output of PrivateKey / getPublicKey derived from a key. OpenSSH forms and fingerprints
// are empty for keys SSH cannot represent (ECDSA P224), as upstream.
func keyOutputs(key crypto.Signer, out p.Values, withPrivate bool) error {
	alg, err := algorithmOf(key)
	if err != nil {
		return err
	}
	out["algorithm"] = alg
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if withPrivate {
		switch k := key.(type) {
		case *rsa.PrivateKey:
			out["privateKeyPem"] = pemString("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
		case *ecdsa.PrivateKey:
			der, err := x509.MarshalECPrivateKey(k)
			if err != nil {
				return err
			}
			out["privateKeyPem"] = pemString("EC PRIVATE KEY", der)
		default:
			out["privateKeyPem"] = pemString("PRIVATE KEY", pkcs8)
		}
		out["privateKeyPemPkcs8"] = pemString("PRIVATE KEY", pkcs8)
		out["privateKeyOpenssh"] = ""
		if blk, err := ssh.MarshalPrivateKey(key, ""); err == nil {
			out["privateKeyOpenssh"] = string(pem.EncodeToMemory(blk))
		}
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	out["publicKeyPem"] = pemString("PUBLIC KEY", pubDER)
	out["publicKeyOpenssh"], out["publicKeyFingerprintMd5"], out["publicKeyFingerprintSha256"] = "", "", ""
	if sp, err := ssh.NewPublicKey(key.Public()); err == nil {
		out["publicKeyOpenssh"] = string(ssh.MarshalAuthorizedKey(sp))
		out["publicKeyFingerprintMd5"] = ssh.FingerprintLegacyMD5(sp)
		out["publicKeyFingerprintSha256"] = ssh.FingerprintSHA256(sp)
	}
	return nil
}

func privateKey() p.Resource {
	return p.Resource{
		Defaults: func(in p.Values) {
			p.SetDefault(in, "rsaBits", float64(2048))
			p.SetDefault(in, "ecdsaCurve", "P224")
		},
		Validate: func(in p.Values) []p.Failure {
			var f []p.Failure
			switch a := p.String(in, "algorithm"); a {
			case "RSA", "ECDSA", "ED25519":
			default:
				f = append(f, p.Failure{Property: "algorithm", Reason: fmt.Sprintf("algorithm must be one of RSA, ECDSA, ED25519, got %q", a)})
			}
			if c := p.String(in, "ecdsaCurve"); curves[c] == nil {
				f = append(f, p.Failure{Property: "ecdsaCurve", Reason: fmt.Sprintf("ecdsaCurve must be one of P224, P256, P384, P521, got %q", c)})
			}
			return append(f, p.CheckInt(in, "rsaBits", 1024, 16384)...)
		},
		Create: func(in p.Values) (string, p.Values, error) {
			var key crypto.Signer
			var err error
			switch p.String(in, "algorithm") {
			case "RSA":
				bits, _ := p.Int(in, "rsaBits")
				key, err = rsa.GenerateKey(rand.Reader, int(bits))
			case "ECDSA":
				key, err = ecdsa.GenerateKey(curves[p.String(in, "ecdsaCurve")], rand.Reader)
			case "ED25519":
				_, key, err = ed25519.GenerateKey(rand.Reader)
			}
			if err != nil {
				return "", nil, err
			}
			out := p.Copy(in)
			if err := keyOutputs(key, out, true); err != nil {
				return "", nil, err
			}
			out["algorithm"] = in["algorithm"]
			return hashForState(out["publicKeyPem"].(string)), out, nil
		},
	}
}

// getPublicKey: from privateKeyPem or privateKeyOpenssh (exactly one).
func getPublicKey(args p.Values) (p.Values, error) {
	pemIn, sshIn := p.String(args, "privateKeyPem"), p.String(args, "privateKeyOpenssh")
	if (pemIn == "") == (sshIn == "") {
		return nil, errors.New("exactly one of privateKeyPem and privateKeyOpenssh must be set")
	}
	src := pemIn
	if src == "" {
		src = sshIn
	}
	key, err := parsePrivateKeyPEM(src)
	if err != nil {
		return nil, err
	}
	out := p.Copy(args)
	if err := keyOutputs(key, out, false); err != nil {
		return nil, err
	}
	out["id"] = hashForState(out["publicKeyPem"].(string))
	return out, nil
}

// --- certificates ------------------------------------------------------------------------------------------

var keyUsages = map[string]x509.KeyUsage{
	"digital_signature": x509.KeyUsageDigitalSignature, "content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment": x509.KeyUsageKeyEncipherment, "data_encipherment": x509.KeyUsageDataEncipherment,
	"key_agreement": x509.KeyUsageKeyAgreement, "cert_signing": x509.KeyUsageCertSign,
	"crl_signing": x509.KeyUsageCRLSign, "encipher_only": x509.KeyUsageEncipherOnly,
	"decipher_only": x509.KeyUsageDecipherOnly,
}

var extKeyUsages = map[string]x509.ExtKeyUsage{
	"any_extended": x509.ExtKeyUsageAny, "server_auth": x509.ExtKeyUsageServerAuth,
	"client_auth": x509.ExtKeyUsageClientAuth, "code_signing": x509.ExtKeyUsageCodeSigning,
	"email_protection": x509.ExtKeyUsageEmailProtection, "ipsec_end_system": x509.ExtKeyUsageIPSECEndSystem,
	"ipsec_tunnel": x509.ExtKeyUsageIPSECTunnel, "ipsec_user": x509.ExtKeyUsageIPSECUser,
	"timestamping": x509.ExtKeyUsageTimeStamping, "ocsp_signing": x509.ExtKeyUsageOCSPSigning,
	"microsoft_server_gated_crypto":     x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	"netscape_server_gated_crypto":      x509.ExtKeyUsageNetscapeServerGatedCrypto,
	"microsoft_commercial_code_signing": x509.ExtKeyUsageMicrosoftCommercialCodeSigning,
	"microsoft_kernel_code_signing":     x509.ExtKeyUsageMicrosoftKernelCodeSigning,
}

var oidEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

func subjectName(m map[string]any) pkix.Name {
	var n pkix.Name
	if m == nil {
		return n
	}
	one := func(k string) []string {
		if s, _ := m[k].(string); s != "" {
			return []string{s}
		}
		return nil
	}
	n.CommonName, _ = m["commonName"].(string)
	n.SerialNumber, _ = m["serialNumber"].(string)
	n.Organization = one("organization")
	n.OrganizationalUnit = one("organizationalUnit")
	n.Locality = one("locality")
	n.Province = one("province")
	n.Country = one("country")
	n.PostalCode = one("postalCode")
	n.StreetAddress = p.Strings(m, "streetAddresses")
	if e, _ := m["emailAddress"].(string); e != "" {
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oidEmail, Value: e})
	}
	return n
}

func sans(in p.Values) (dns []string, ips []net.IP, uris []*url.URL, err error) {
	dns = p.Strings(in, "dnsNames")
	for _, s := range p.Strings(in, "ipAddresses") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, nil, nil, fmt.Errorf("ipAddresses: %q is not an IP address", s)
		}
		ips = append(ips, ip)
	}
	for _, s := range p.Strings(in, "uris") {
		u, perr := url.Parse(s)
		if perr != nil {
			return nil, nil, nil, fmt.Errorf("uris: %q: %w", s, perr)
		}
		uris = append(uris, u)
	}
	return dns, ips, uris, nil
}

func sanFailures(in p.Values) []p.Failure {
	if _, _, _, err := sans(in); err != nil {
		prop := strings.SplitN(err.Error(), ":", 2)[0]
		return []p.Failure{{Property: prop, Reason: err.Error()}}
	}
	return nil
}

func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha1.Sum(spki.PublicKey.Bytes) //nolint:gosec // RFC 5280 method (1)
	return sum[:], nil
}

func readyForRenewal(state p.Values, earlyHours int64) bool {
	end, err := time.Parse(time.RFC3339, p.String(state, "validityEndTime"))
	if err != nil {
		return false
	}
	return !now().Before(end.Add(-time.Duration(earlyHours) * time.Hour))
}

func certDefaults(self bool) func(in p.Values) {
	return func(in p.Values) {
		p.SetDefault(in, "earlyRenewalHours", float64(0))
		p.SetDefault(in, "isCaCertificate", false)
		p.SetDefault(in, "setSubjectKeyId", false)
		p.SetDefault(in, "maxPathLength", float64(0))
		if self {
			p.SetDefault(in, "setAuthorityKeyId", false)
		}
	}
}

func certValidate(self bool) func(in p.Values) []p.Failure {
	return func(in p.Values) []p.Failure {
		req := []string{"allowedUses", "validityPeriodHours"}
		if self {
			req = append(req, "privateKeyPem")
		} else {
			req = append(req, "certRequestPem", "caPrivateKeyPem", "caCertPem")
		}
		var f []p.Failure
		for _, k := range req {
			if _, ok := in[k]; !ok {
				f = append(f, p.Failure{Property: k, Reason: k + " is required"})
			}
		}
		for _, u := range p.Strings(in, "allowedUses") {
			if _, ok := keyUsages[u]; !ok {
				if _, ok := extKeyUsages[u]; !ok {
					f = append(f, p.Failure{Property: "allowedUses", Reason: fmt.Sprintf("%q is not a key usage (known: %s)", u, strings.Join(usageNames(), ", "))})
				}
			}
		}
		f = append(f, p.CheckInt(in, "validityPeriodHours", 0, math.MaxInt32)...)
		f = append(f, p.CheckInt(in, "earlyRenewalHours", 0, math.MaxInt32)...)
		f = append(f, p.CheckInt(in, "maxPathLength", -1, math.MaxInt32)...)
		return append(f, sanFailures(in)...)
	}
}

func usageNames() []string {
	var n []string
	for k := range keyUsages {
		n = append(n, k)
	}
	for k := range extKeyUsages {
		n = append(n, k)
	}
	return n
}

// issue creates and signs a certificate; self: signed by its own key (SelfSignedCert), else by the CA.
func issue(in p.Values, self bool) (string, p.Values, error) {
	out := p.Copy(in)
	tmpl := &x509.Certificate{BasicConstraintsValid: true}
	var pub crypto.PublicKey
	var signer crypto.Signer
	parent := tmpl
	if self {
		key, err := parsePrivateKeyPEM(p.String(in, "privateKeyPem"))
		if err != nil {
			return "", nil, err
		}
		signer, pub = key, key.Public()
		alg, _ := algorithmOf(key)
		out["keyAlgorithm"] = alg
		tmpl.Subject = subjectName(p.Map(in, "subject"))
		if tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs, err = sans(in); err != nil {
			return "", nil, err
		}
	} else {
		block, _ := pem.Decode([]byte(p.String(in, "certRequestPem")))
		if block == nil || block.Type != "CERTIFICATE REQUEST" {
			return "", nil, errors.New("certRequestPem: no CERTIFICATE REQUEST PEM block")
		}
		csr, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			return "", nil, fmt.Errorf("certRequestPem: %w", err)
		}
		if err := csr.CheckSignature(); err != nil {
			return "", nil, fmt.Errorf("certRequestPem: bad signature: %w", err)
		}
		caBlock, _ := pem.Decode([]byte(p.String(in, "caCertPem")))
		if caBlock == nil || caBlock.Type != "CERTIFICATE" {
			return "", nil, errors.New("caCertPem: no CERTIFICATE PEM block")
		}
		ca, err := x509.ParseCertificate(caBlock.Bytes)
		if err != nil {
			return "", nil, fmt.Errorf("caCertPem: %w", err)
		}
		caKey, err := parsePrivateKeyPEM(p.String(in, "caPrivateKeyPem"))
		if err != nil {
			return "", nil, fmt.Errorf("caPrivateKeyPem: %w", err)
		}
		alg, _ := algorithmOf(caKey)
		out["caKeyAlgorithm"] = alg
		signer, pub, parent = caKey, csr.PublicKey, ca
		tmpl.Subject, tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs = csr.Subject, csr.DNSNames, csr.IPAddresses, csr.URIs
		tmpl.Subject.ExtraNames = csr.Subject.Names // keeps emailAddress and other attributes of the request
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", nil, err
	}
	tmpl.SerialNumber = serial
	start := now().UTC().Truncate(time.Second)
	hours, _ := p.Int(in, "validityPeriodHours")
	tmpl.NotBefore, tmpl.NotAfter = start, start.Add(time.Duration(hours)*time.Hour)
	for _, u := range p.Strings(in, "allowedUses") {
		if ku, ok := keyUsages[u]; ok {
			tmpl.KeyUsage |= ku
		} else {
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, extKeyUsages[u])
		}
	}
	if p.Bool(in, "isCaCertificate") {
		tmpl.IsCA = true
		mpl, _ := p.Int(in, "maxPathLength")
		tmpl.MaxPathLen = int(mpl)
		tmpl.MaxPathLenZero = mpl == 0
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return "", nil, err
	}
	if p.Bool(in, "setSubjectKeyId") {
		tmpl.SubjectKeyId = ski
	}
	if self && p.Bool(in, "setAuthorityKeyId") {
		tmpl.AuthorityKeyId = ski
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return "", nil, err
	}
	out["certPem"] = pemString("CERTIFICATE", der)
	out["validityStartTime"] = tmpl.NotBefore.Format(time.RFC3339)
	out["validityEndTime"] = tmpl.NotAfter.Format(time.RFC3339)
	early, _ := p.Int(in, "earlyRenewalHours")
	out["readyForRenewal"] = readyForRenewal(out, early)
	return serial.String(), out, nil
}

// certResource: every input but earlyRenewalHours forces a replacement; once now >= end - earlyRenewalHours
// the certificate is ready for renewal, which Read reports and Diff turns into a replacement (upstream).
func certResource(self bool) p.Resource {
	return p.Resource{
		Defaults:  certDefaults(self),
		Validate:  certValidate(self),
		Updatable: []string{"earlyRenewalHours"},
		Create:    func(in p.Values) (string, p.Values, error) { return issue(in, self) },
		Update: func(_ string, olds, news p.Values) (p.Values, error) {
			out := p.Copy(olds)
			early, _ := p.Int(news, "earlyRenewalHours")
			out["earlyRenewalHours"] = float64(early)
			out["readyForRenewal"] = readyForRenewal(out, early)
			return out, nil
		},
		Refresh: func(_ string, state p.Values) (p.Values, error) {
			out := p.Copy(state)
			early, _ := p.Int(state, "earlyRenewalHours")
			out["readyForRenewal"] = readyForRenewal(out, early)
			return out, nil
		},
		// From the state's end time and the new earlyRenewalHours, as upstream's plan: lowering
		// earlyRenewalHours out of the window is an in-place update, not a renewal.
		ReplaceReasons: func(olds, news p.Values) []string {
			early, _ := p.Int(news, "earlyRenewalHours")
			if readyForRenewal(olds, early) {
				return []string{"readyForRenewal"}
			}
			return nil
		},
	}
}

func certRequest() p.Resource {
	return p.Resource{
		Validate: func(in p.Values) []p.Failure {
			if _, ok := in["privateKeyPem"]; !ok {
				return []p.Failure{{Property: "privateKeyPem", Reason: "privateKeyPem is required"}}
			}
			return sanFailures(in)
		},
		Create: func(in p.Values) (string, p.Values, error) {
			key, err := parsePrivateKeyPEM(p.String(in, "privateKeyPem"))
			if err != nil {
				return "", nil, fmt.Errorf("privateKeyPem: %w", err)
			}
			tmpl := &x509.CertificateRequest{Subject: subjectName(p.Map(in, "subject"))}
			if tmpl.DNSNames, tmpl.IPAddresses, tmpl.URIs, err = sans(in); err != nil {
				return "", nil, err
			}
			der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
			if err != nil {
				return "", nil, err
			}
			out := p.Copy(in)
			out["certRequestPem"] = pemString("CERTIFICATE REQUEST", der)
			out["keyAlgorithm"], _ = algorithmOf(key)
			return hashForState(out["certRequestPem"].(string)), out, nil
		},
	}
}
