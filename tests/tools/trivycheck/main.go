// trivycheck: Trivy's advisory lookups (specs/trivy-db.md section 2.2)
// against a trivy.db, for every OSV advisory given, with expectations
// derived here, independently of the C writer, from the OSV documents.
//
//	trivycheck TRIVY.DB METADATA.JSON OSV-FILE|@LIST...
//
// "@LIST" names a file listing one OSV file per line.
// For each advisory Trivy can express: a prefix scan of the root for
// "<ecosystem>::" (or the exact OS bucket), the data-source entry of every
// matched bucket, the package bucket, the advisory values keyed by
// vulnerability id, the join with the vulnerability bucket and the
// severity resolution of pkg/vulnerability (VendorSeverity of the data
// source, then ghsa, then nvd, then the Severity string).  The stored
// constraints must be those section 2.7 derives from the OSV ranges, and
// Trivy's decision (vulnerable unless outside VulnerableVersions or inside
// PatchedVersions) is evaluated at a version inside and one outside each
// range, comparing versions with hashicorp/go-version.  Advisories Trivy
// cannot express must be absent.  One line per advisory, a summary last;
// exit 1 on any failure.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	version "github.com/hashicorp/go-version"
	bolt "go.etcd.io/bbolt"
)

type osvEvent struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	LastAffected string `json:"last_affected"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvAffected struct {
	Severity []osvSeverity `json:"severity"`
	Package *struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges []struct {
		Type   string     `json:"type"`
		Events []osvEvent `json:"events"`
	} `json:"ranges"`
	Versions         []string `json:"versions"`
	DatabaseSpecific struct {
		LastKnown interface{} `json:"last_known_affected_version_range"`
	} `json:"database_specific"`
}

type osvDoc struct {
	ID               string        `json:"id"`
	Aliases          []string      `json:"aliases"`
	Upstream         []string      `json:"upstream"`
	Related          []string      `json:"related"`
	Withdrawn        string        `json:"withdrawn"`
	Affected         []osvAffected `json:"affected"`
	Severity         []osvSeverity `json:"severity"`
	DatabaseSpecific struct {
		Severity interface{} `json:"severity"`
	} `json:"database_specific"`
}

// types.Advisory and types.Vulnerability, the fields Trivy reads.
type advisory struct {
	VendorIDs          []string
	FixedVersion       string
	VulnerableVersions []string
	PatchedVersions    []string
	UnaffectedVersions []string
}

type vulnerability struct {
	Title          string
	Severity       string
	VendorSeverity map[string]int
	CVSS           map[string]struct {
		V3Vector string
		V3Score  float64
	}
}

type dataSource struct {
	ID, Name, URL string
}

// OSV ecosystem -> Trivy prefix and name normalisation (sections 2.2, 2.4).
var ecosystems = map[string]struct{ slug, norm string }{
	"npm": {"npm", "lower"}, "PyPI": {"pip", "pip"}, "Go": {"go", "keep"},
	"Maven": {"maven", "lower"}, "crates.io": {"cargo", "lower"},
	"RubyGems": {"rubygems", "lower"}, "NuGet": {"nuget", "lower"},
	"Packagist": {"composer", "lower"}, "Hex": {"erlang", "lower"},
	"Pub": {"pub", "lower"}, "SwiftURL": {"swift", "swift"},
	"ConanCenter": {"conan", "lower"}, "Julia": {"julia", "keep"},
	"Bitnami": {"bitnami", "lower"},
}

// Data-source ids by advisory id (section 2.13).
var sourceIDs = []struct{ prefix, id string }{
	{"GHSA-", "ghsa"}, {"GO-", "govulndb"}, {"JLSEC-", "julia"},
	{"BIT-", "bitnami"}, {"ALSA-", "alma"}, {"ALBA-", "alma"},
	{"ALEA-", "alma"}, {"RLSA-", "rocky"}, {"", "osv"},
}

var severities = []string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

type stats struct {
	advisories, found, skipped, inside, outside, stringOnly, failures int
	cvss, cvssOther                                                  int
}

var st stats

func fail(id, format string, args ...interface{}) {
	st.failures++
	fmt.Printf("FAIL %s: %s\n", id, fmt.Sprintf(format, args...))
}

// target: where Trivy looks a package up, and what it must find there.
type target struct {
	prefix, pkg string
	os          bool
	vulnerable  []string
	patched     []string
	fixed       string
}

func normalise(name, norm string) string {
	switch norm {
	case "lower":
		return strings.ToLower(name)
	case "pip":
		return strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case "swift":
		return strings.TrimSuffix(strings.TrimPrefix(name, "https://"), ".git")
	}
	return name
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Section 2.7, written from the spec, not from the C code.
func constraint(from, fixed, last, lastKnown string) string {
	lower := ""
	if from != "" && from != "0" {
		lower = ">=" + from
	}
	join := func(upper string) string {
		if lower == "" {
			return upper
		}
		return lower + ", " + upper
	}
	switch {
	case last != "" && last == from:
		return "=" + from
	case last != "":
		return join("<=" + last)
	case fixed != "":
		return join("<" + fixed)
	case lastKnown != "":
		return join(lastKnown)
	case lower == "":
		return ">=0"
	}
	return lower
}

func lastKnownBound(v interface{}) string {
	s, _ := v.(string)
	op := "<"
	if strings.HasPrefix(s, "<=") {
		op = "<="
	} else if !strings.HasPrefix(s, "<") {
		return ""
	}
	rest := strings.TrimSpace(strings.TrimPrefix(s, op))
	if rest == "" || strings.Contains(rest, " ") {
		return ""
	}
	return op + rest
}

func expectedTargets(doc *osvDoc) []*target {
	var out []*target
	byKey := map[string]*target{}
	for _, a := range doc.Affected {
		if a.Package == nil || a.Package.Name == "" {
			continue
		}
		t := &target{}
		eco := a.Package.Ecosystem
		if rel := strings.TrimPrefix(eco, "AlmaLinux:"); rel != eco {
			t.prefix, t.pkg, t.os = "alma "+rel, a.Package.Name, true
		} else if e, ok := ecosystems[strings.SplitN(eco, ":", 2)[0]]; ok {
			t.prefix, t.pkg = e.slug+"::", normalise(a.Package.Name, e.norm)
		} else {
			continue
		}
		lk := lastKnownBound(a.DatabaseSpecific.LastKnown)
		used := 0
		var vuln, patched []string
		fixedHere := ""
		for _, r := range a.Ranges {
			if r.Type != "ECOSYSTEM" && r.Type != "SEMVER" {
				continue
			}
			var from, fixed, last string
			have := false
			for _, e := range r.Events {
				switch {
				case e.Introduced != "":
					if have {
						vuln = addUnique(vuln, constraint(from, fixed, last, lk))
					}
					from, fixed, last, have = e.Introduced, "", "", true
				case e.Fixed != "":
					fixed, have = e.Fixed, true
					patched = addUnique(patched, e.Fixed)
					fixedHere = e.Fixed
				case e.LastAffected != "":
					last, have = e.LastAffected, true
				}
			}
			if have {
				vuln = addUnique(vuln, constraint(from, fixed, last, lk))
				used++
			}
		}
		if used == 0 {
			for _, v := range a.Versions {
				vuln = addUnique(vuln, "="+v)
			}
		}
		if len(vuln) == 0 {
			continue
		}
		k := t.prefix + "\x00" + t.pkg
		if prev, ok := byKey[k]; ok {
			t = prev
		} else {
			byKey[k] = t
			out = append(out, t)
		}
		// NuGet: an original-case copy for old clients (section 2.13).
		if eco == "NuGet" && t.pkg != a.Package.Name {
			k2 := k + "\x00orig"
			t2, ok := byKey[k2]
			if !ok {
				t2 = &target{prefix: t.prefix, pkg: a.Package.Name}
				byKey[k2] = t2
				out = append(out, t2)
			}
			for _, v := range vuln {
				t2.vulnerable = addUnique(t2.vulnerable, v)
			}
			for _, p := range patched {
				t2.patched = addUnique(t2.patched, p)
			}
		}
		if fixedHere != "" {
			t.fixed = fixedHere
		}
		for _, v := range vuln {
			t.vulnerable = addUnique(t.vulnerable, v)
		}
		for _, p := range patched {
			t.patched = addUnique(t.patched, p)
		}
	}
	return out
}

func keysOf(doc *osvDoc) []string {
	var cves []string
	for _, id := range append(append([]string{doc.ID}, doc.Aliases...), doc.Upstream...) {
		if strings.HasPrefix(id, "CVE-") {
			cves = addUnique(cves, id)
		}
	}
	// OS errata list their CVEs as related; upstream keys rows by them.
	if strings.HasPrefix(doc.ID, "ALSA-") || strings.HasPrefix(doc.ID, "ALBA-") ||
		strings.HasPrefix(doc.ID, "ALEA-") || strings.HasPrefix(doc.ID, "RLSA-") {
		for _, id := range doc.Related {
			if strings.HasPrefix(id, "CVE-") {
				cves = addUnique(cves, id)
			}
		}
	}
	if len(cves) == 0 {
		return []string{doc.ID}
	}
	return cves
}

// GetAdvisories (trivy-db pkg/db/advisory.go, section 2.2).
type found struct {
	adv advisory
	ds  dataSource
}

func getAdvisories(tx *bolt.Tx, source, pkg string) map[string]found {
	res := map[string]found{}
	var buckets []string
	if strings.Contains(source, "::") {
		c := tx.Cursor()
		for k, _ := c.Seek([]byte(source)); k != nil &&
			strings.HasPrefix(string(k), source); k, _ = c.Next() {
			buckets = append(buckets, string(k))
		}
	} else {
		buckets = []string{source}
	}
	for _, name := range buckets {
		root := tx.Bucket([]byte(name))
		if root == nil {
			continue
		}
		var ds dataSource
		if dsb := tx.Bucket([]byte("data-source")); dsb != nil {
			if v := dsb.Get([]byte(name)); v != nil {
				if err := json.Unmarshal(v, &ds); err != nil {
					fail(name, "data-source: %v", err)
				}
			}
		}
		pb := root.Bucket([]byte(pkg))
		if pb == nil {
			continue
		}
		_ = pb.ForEach(func(k, v []byte) error {
			if len(v) == 0 {
				return nil
			}
			var a advisory
			if err := json.Unmarshal(v, &a); err != nil {
				fail(string(k), "advisory in %q/%q: %v", name, pkg, err)
				return nil
			}
			res[string(k)] = found{a, ds}
			return nil
		})
	}
	return res
}

// One constraint element: comparisons joined by ", " (section 2.7).
func matches(element string, v *version.Version) (bool, error) {
	for _, c := range strings.Split(element, ", ") {
		op := ""
		for _, o := range []string{">=", "<=", "<", ">", "="} {
			if strings.HasPrefix(c, o) {
				op = o
				break
			}
		}
		bound, err := version.NewVersion(strings.TrimPrefix(c, op))
		if err != nil {
			return false, err
		}
		cmp := v.Compare(bound)
		ok := map[string]bool{">=": cmp >= 0, "<=": cmp <= 0, "<": cmp < 0,
			">": cmp > 0, "=": cmp == 0, "": cmp == 0}[op]
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(list []string, v *version.Version) (bool, error) {
	for _, e := range list {
		m, err := matches(e, v)
		if err != nil || m {
			return m, err
		}
	}
	return false, nil
}

// IsVulnerable (trivy pkg/detector/library/compare, section 2.7).
func isVulnerable(a advisory, v *version.Version) (bool, error) {
	for _, e := range append(append([]string{}, a.VulnerableVersions...), a.PatchedVersions...) {
		if e == "" {
			return true, nil
		}
	}
	if len(a.VulnerableVersions) > 0 {
		m, err := anyMatch(a.VulnerableVersions, v)
		if err != nil || !m {
			return false, err
		}
	}
	m, err := anyMatch(append(append([]string{}, a.PatchedVersions...), a.UnaffectedVersions...), v)
	return !m, err
}

// A version inside and one outside each range: the lower bound or the
// bound itself, and the fixed version or the next one past the last.
func probes(element string) (inside, outside string) {
	parts := strings.Split(element, ", ")
	last := parts[len(parts)-1]
	bump := func(s string) string {
		v, err := version.NewVersion(s)
		if err != nil {
			return ""
		}
		seg := v.Segments()
		seg[len(seg)-1]++
		out := make([]string, len(seg))
		for i, n := range seg {
			out[i] = strconv.Itoa(n)
		}
		return strings.Join(out, ".")
	}
	switch {
	case strings.HasPrefix(last, "<="):
		return strings.TrimPrefix(last, "<="), bump(strings.TrimPrefix(last, "<="))
	case strings.HasPrefix(last, "<"):
		in := "0.0.0-0"
		if len(parts) == 2 {
			in = strings.TrimPrefix(parts[0], ">=")
		}
		return in, strings.TrimPrefix(last, "<")
	case strings.HasPrefix(last, "="):
		return strings.TrimPrefix(last, "="), bump(strings.TrimPrefix(last, "="))
	}
	return strings.TrimPrefix(last, ">="), ""
}

func checkVersions(id string, t *target, a advisory) {
	for _, e := range t.vulnerable {
		in, out := probes(e)
		for i, probe := range []string{in, out} {
			if probe == "" {
				continue
			}
			v, err := version.NewVersion(probe)
			if err != nil {
				st.stringOnly++
				continue
			}
			got, err := isVulnerable(a, v)
			if err != nil {
				st.stringOnly++
				continue
			}
			want, _ := isVulnerable(advisory{VulnerableVersions: t.vulnerable,
				PatchedVersions: t.patched}, v)
			if got != want {
				fail(id, "%s at %s: vulnerable=%v, want %v (range %q)",
					t.pkg, probe, got, want, e)
				continue
			}
			// A probe the version order cannot place inside its range
			// (build metadata, say) proves nothing either way.
			if i == 0 && !want {
				st.stringOnly++
				continue
			}
			if i == 0 {
				st.inside++
			} else {
				st.outside++
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameSet(got, want []string) bool {
	a := append([]string{}, got...)
	b := append([]string{}, want...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

// Severity resolution (trivy pkg/vulnerability/vulnerability.go, 2.8).
func severity(v vulnerability, src dataSource, key string) string {
	if s, ok := v.VendorSeverity[src.ID]; ok {
		return severities[s]
	}
	if s, ok := v.VendorSeverity["ghsa"]; ok && strings.HasPrefix(key, "GHSA-") {
		return severities[s]
	}
	if s, ok := v.VendorSeverity["nvd"]; ok {
		return severities[s]
	}
	if v.Severity != "" {
		return v.Severity
	}
	return "UNKNOWN"
}

func checkDoc(tx *bolt.Tx, path string, snapshot time.Time) {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail(path, "%v", err)
		return
	}
	var doc osvDoc
	if err := json.Unmarshal(raw, &doc); err != nil || doc.ID == "" {
		fmt.Printf("skip %s: not an OSV advisory\n", path)
		st.skipped++
		return
	}
	st.advisories++
	keys := keysOf(&doc)
	targets := expectedTargets(&doc)
	if w, err := time.Parse(time.RFC3339, doc.Withdrawn); err == nil && !w.After(snapshot) {
		targets = nil
	}
	if len(targets) == 0 {
		st.skipped++
		for _, t := range expectedTargetsIgnoringWithdrawal(&doc) {
			if _, ok := getAdvisories(tx, t.prefix, t.pkg)[doc.ID]; ok {
				fail(doc.ID, "skipped advisory is in the DB")
			}
		}
		fmt.Printf("skip %s: nothing Trivy can express\n", doc.ID)
		return
	}
	wantSrc := "osv"
	for _, s := range sourceIDs {
		if strings.HasPrefix(doc.ID, s.prefix) {
			wantSrc = s.id
			break
		}
	}
	vb := tx.Bucket([]byte("vulnerability"))
	for _, t := range targets {
		advs := getAdvisories(tx, t.prefix, t.pkg)
		for _, key := range keys {
			f, ok := advs[key]
			if !ok {
				fail(doc.ID, "no advisory %s for %s in %s*", key, t.pkg, t.prefix)
				continue
			}
			if f.ds.ID != wantSrc {
				fail(doc.ID, "data source %q, want %q", f.ds.ID, wantSrc)
			}
			if t.os {
				if f.adv.FixedVersion != t.fixed {
					fail(doc.ID, "FixedVersion %q, want %q", f.adv.FixedVersion, t.fixed)
				}
			} else {
				if !sameSet(f.adv.VulnerableVersions, t.vulnerable) &&
					!subset(t.vulnerable, f.adv.VulnerableVersions) {
					fail(doc.ID, "%s VulnerableVersions %q, want %q", t.pkg,
						f.adv.VulnerableVersions, t.vulnerable)
				}
				if !subset(t.patched, f.adv.PatchedVersions) {
					fail(doc.ID, "%s PatchedVersions %q, want %q", t.pkg,
						f.adv.PatchedVersions, t.patched)
				}
				checkVersions(doc.ID, t, f.adv)
			}
			var v vulnerability
			raw := vb.Get([]byte(key))
			if raw == nil || json.Unmarshal(raw, &v) != nil {
				fail(doc.ID, "no vulnerability entry %s", key)
				continue
			}
			sev := severity(v, f.ds, key)
			if want := ghsaSeverity(&doc); wantSrc == "ghsa" && want != "" && sev != want {
				fail(doc.ID, "severity %s, want %s", sev, want)
			}
			checkCVSS(&doc, key, wantSrc, v, sev)
			st.found++
			fmt.Printf("ok %s: %s %s %s %q fixed=%q severity=%s source=%s\n",
				doc.ID, key, t.prefix, t.pkg, f.adv.VulnerableVersions,
				f.adv.FixedVersion, sev, f.ds.ID)
		}
	}
}

func expectedTargetsIgnoringWithdrawal(doc *osvDoc) []*target {
	return expectedTargets(doc)
}

func subset(small, big []string) bool {
	for _, s := range small {
		if !contains(big, s) {
			return false
		}
	}
	return true
}

func ghsaSeverity(doc *osvDoc) string {
	s, _ := doc.DatabaseSpecific.Severity.(string)
	return map[string]string{"LOW": "LOW", "MODERATE": "MEDIUM",
		"HIGH": "HIGH", "CRITICAL": "CRITICAL"}[s]
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: trivycheck TRIVY.DB METADATA.JSON OSV-FILE...")
		os.Exit(2)
	}
	var meta struct {
		Version   int
		UpdatedAt time.Time
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil || json.Unmarshal(raw, &meta) != nil || meta.Version != 2 {
		fmt.Fprintln(os.Stderr, "trivycheck: metadata.json is not Version 2")
		os.Exit(1)
	}
	db, err := bolt.Open(os.Args[1], 0o444, &bolt.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "trivycheck:", err)
		os.Exit(1)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("vulnerability")) == nil {
			fail("db", "no vulnerability bucket")
			return nil
		}
		for _, p := range files(os.Args[3:]) {
			checkDoc(tx, p, meta.UpdatedAt)
		}
		return nil
	})
	fmt.Printf("trivycheck: %d advisories, %d lookups found, %d skipped, "+
		"%d inside and %d outside probes, %d string-only, %d CVSS v3 "+
		"scores checked (%d held by another advisory), %d failures\n",
		st.advisories, st.found, st.skipped, st.inside, st.outside,
		st.stringOnly, st.cvss-st.cvssOther, st.cvssOther, st.failures)
	if st.failures > 0 {
		os.Exit(1)
	}
}

func files(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "@") {
			out = append(out, a)
			continue
		}
		raw, err := os.ReadFile(a[1:])
		if err != nil {
			fail(a, "%v", err)
			continue
		}
		for _, l := range strings.Split(string(raw), "\n") {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// The first CVSS v3 vector that parses gives V3Score and, for sources
// other than GHSA, the severity Trivy resolves (section 2.13).  A row
// another advisory of the same source filled first may differ: those
// are counted, not failed.
func checkCVSS(doc *osvDoc, key, src string, v vulnerability, sev string) {
	list := doc.Severity
	if len(list) == 0 && len(doc.Affected) > 0 {
		list = doc.Affected[0].Severity
	}
	for _, s := range list {
		if s.Type != "CVSS_V3" {
			continue
		}
		score, ok := cvss3(s.Score)
		if !ok {
			continue
		}
		st.cvss++
		got, have := v.CVSS[src]
		if !have || got.V3Vector != s.Score {
			st.cvssOther++
			return
		}
		if math.Abs(got.V3Score-score) > 1e-9 && !(score == 0 && got.V3Score == 0) {
			fail(doc.ID, "%s V3Score %v, want %v for %s", key, got.V3Score, score, s.Score)
		}
		if want := severityOf(score); src != "ghsa" && sev != want {
			fail(doc.ID, "%s severity %s, want %s (CVSS %v)", key, sev, want, score)
		}
		return
	}
}
