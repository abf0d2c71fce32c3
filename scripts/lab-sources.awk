# Print the deb822 stanzas of the host's sources (comments dropped), then one
# stanza per wanted suite the host lacks, cloned from the stanza serving the
# suite's codename (or the first stanza): same URIs, Components, Signed-By.
BEGIN { RS = ""; FS = "\n"; n = 0 }
{
	body = ""
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^[ \t]*#/) continue
		body = body $i "\n"
		if ($i ~ /^Suites:/) {
			m = split(substr($i, 8), s, " ")
			for (j = 1; j <= m; j++) serves[s[j]] = n
		}
	}
	st[n++] = body
	print body
}
END {
	m = split(want, w, " ")
	for (k = 1; k <= m; k++) {
		if (w[k] in serves) continue
		base = w[k]; sub(/-.*/, "", base)
		t = st[(base in serves) ? serves[base] : 0]
		sub(/Suites:[^\n]*/, "Suites: " w[k], t)
		print t
		serves[w[k]] = 0
	}
}
