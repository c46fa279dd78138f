// log_verifier checks a running dsr's audit log with code that dsr's
// authors did not write: Go's golang.org/x/mod/sumdb/note (C2SP signed
// notes) and sumdb/tlog (RFC 6962 proofs), from Debian's
// golang-golang-x-mod-dev, built offline in GOPATH mode.
//
//	log_verifier -base http://127.0.0.1:PORT -package package.json
//
// It verifies the access package's checkpoint with the key the server
// publishes, every inclusion proof in the package, then waits for a newer
// checkpoint and verifies the server's consistency proof between the two;
// and it checks that an altered leaf and an altered root are refused. Exit 0
// when all holds; 1 with the reason otherwise.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "log_verifier: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	return body
}

func decodeHash(text string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) != tlog.HashSize {
		fail("%q is not a base64 SHA-256 hash", text)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

// openCheckpoint verifies the signed note and parses its checkpoint text.
func openCheckpoint(signed []byte, verifiers note.Verifiers) checkpoint {
	n, err := note.Open(signed, verifiers)
	if err != nil {
		fail("the checkpoint does not verify: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("the checkpoint has fewer than three lines: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("the checkpoint's size %q: %v", lines[1], err)
	}
	return checkpoint{lines[0], size, decodeHash(lines[2])}
}

// parseProof reads a c2sp.org/tlog-proof@v1 text: index, hashes, checkpoint.
func parseProof(text string) (int64, tlog.RecordProof, string) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 3 || lines[0] != "c2sp.org/tlog-proof@v1\n" {
		fail("not a tlog-proof: %q", text)
	}
	i := 1
	if strings.HasPrefix(lines[i], "extra ") {
		i++
	}
	if !strings.HasPrefix(lines[i], "index ") {
		fail("no index line in %q", text)
	}
	index, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(lines[i], "index ")), 10, 64)
	if err != nil {
		fail("the index: %v", err)
	}
	var proof tlog.RecordProof
	for i++; i < len(lines) && lines[i] != "\n"; i++ {
		proof = append(proof, decodeHash(strings.TrimSpace(lines[i])))
	}
	return index, proof, strings.Join(lines[i+1:], "")
}

func main() {
	base := flag.String("base", "", "the server, e.g. http://127.0.0.1:8080")
	packageFile := flag.String("package", "", "an access package (JSON) from that server")
	wait := flag.Duration("wait", 20*time.Second, "how long to wait for a checkpoint newer than the package's")
	flag.Parse()

	var key struct {
		VerifierKey string `json:"verifier_key"`
		Keys        []struct {
			VerifierKey string `json:"verifier_key"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(get(*base+"/v1/log/key"), &key); err != nil {
		fail("/v1/log/key: %v", err)
	}
	// Every key the log has had (dsr key rotate-log): each checkpoint names
	// the one that signed it.
	all := []note.Verifier{}
	for _, vkey := range append([]string{key.VerifierKey}, func() []string {
		var listed []string
		for _, k := range key.Keys {
			if k.VerifierKey != key.VerifierKey {
				listed = append(listed, k.VerifierKey)
			}
		}
		return listed
	}()...) {
		verifier, err := note.NewVerifier(vkey)
		if err != nil {
			fail("the verifier key %q: %v", vkey, err)
		}
		all = append(all, verifier)
	}
	verifiers := note.VerifierList(all...)

	raw, err := os.ReadFile(*packageFile)
	if err != nil {
		fail("%v", err)
	}
	var pkg struct {
		AuditLog struct {
			Checkpoint string `json:"checkpoint"`
			Entries    []struct {
				LeafIndex int64  `json:"leaf_index"`
				Leaf      string `json:"leaf"`
				Proof     string `json:"proof"`
			} `json:"entries"`
		} `json:"audit_log"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		fail("the package: %v", err)
	}
	kept := openCheckpoint([]byte(pkg.AuditLog.Checkpoint), verifiers)
	if len(pkg.AuditLog.Entries) == 0 {
		fail("the package has no audit_log entries")
	}
	for _, e := range pkg.AuditLog.Entries {
		leaf, err := base64.StdEncoding.DecodeString(e.Leaf)
		if err != nil {
			fail("leaf %d: %v", e.LeafIndex, err)
		}
		index, proof, signed := parseProof(e.Proof)
		if index != e.LeafIndex || signed != pkg.AuditLog.Checkpoint {
			fail("leaf %d: the proof is for index %d or another checkpoint", e.LeafIndex, index)
		}
		if err := tlog.CheckRecord(proof, kept.size, kept.root, index, tlog.RecordHash(leaf)); err != nil {
			fail("leaf %d is not in the tree of checkpoint %d: %v", index, kept.size, err)
		}
		altered := append([]byte{}, leaf...)
		altered[0] ^= 1
		if tlog.CheckRecord(proof, kept.size, kept.root, index, tlog.RecordHash(altered)) == nil {
			fail("an altered leaf %d was accepted", index)
		}
	}

	// A newer checkpoint, and the server's proof that it extends the kept one.
	var latest checkpoint
	deadline := time.Now().Add(*wait)
	for {
		latest = openCheckpoint(get(*base+"/v1/log/checkpoint"), verifiers)
		if latest.size > kept.size {
			break
		}
		if time.Now().After(deadline) {
			fail("no checkpoint newer than %d within %v", kept.size, *wait)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var consistency struct {
		Proof []string `json:"proof"`
	}
	url := fmt.Sprintf("%s/v1/log/consistency?from=%d&to=%d", *base, kept.size, latest.size)
	if err := json.Unmarshal(get(url), &consistency); err != nil {
		fail("%s: %v", url, err)
	}
	var proof tlog.TreeProof
	for _, h := range consistency.Proof {
		proof = append(proof, decodeHash(h))
	}
	if err := tlog.CheckTree(proof, latest.size, latest.root, kept.size, kept.root); err != nil {
		fail("checkpoint %d does not extend checkpoint %d: %v", latest.size, kept.size, err)
	}
	rewritten := kept.root
	rewritten[0] ^= 1
	if tlog.CheckTree(proof, latest.size, latest.root, kept.size, rewritten) == nil {
		fail("a rewritten history was accepted as consistent")
	}
	fmt.Printf("ok: %s: %d inclusion proofs at checkpoint %d, and checkpoint %d extends it\n", kept.origin,
		len(pkg.AuditLog.Entries), kept.size, latest.size)
}
