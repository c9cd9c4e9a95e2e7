#!/bin/bash
# age v1 against the real age CLI (Debian's age): what exportctl encrypts,
# "age -d" decrypts, and what "age -r" encrypts, exportctl decrypts, for
# several recipients, an empty file, 64 KiB exactly, 64 KiB + 1 and a file
# of about 100 MiB (streamed: peak memory stays far below its size).
# Damaged files (wrong identity, truncated, a flipped byte in the header
# MAC or in a payload chunk, trailing garbage) are refused with exit 3 and
# leave no plaintext, partial or temporary, behind.
. "$(dirname "$0")/../lib/it.sh"

command -v age >/dev/null || { it_fail "age CLI installed (make deps)"; it_done; }
d=$IT_TMP
"$EC_BIN" keys generate --type age --out "$d/k1" >/dev/null
"$EC_BIN" keys generate --type age --out "$d/k2" >/dev/null
age-keygen -o "$d/k3.txt" 2>/dev/null
r1=$(cat "$d/k1/age-recipients.txt") r3=$(age-keygen -y "$d/k3.txt")
check_equal "age-keygen -y reads our identity file" \
    "$(age-keygen -y "$d/k1/age-identity.txt")" "$r1"
check_equal "identity file is mode 0600" \
    "$(stat -c %a "$d/k1/age-identity.txt")" 600
check_fails "keys generate --type age refuses to overwrite" 2 ERR_CONFLICT \
    "$EC_BIN" keys generate --type age --out "$d/k1"

# Sizes around the 64 KiB chunk, encrypted by us, decrypted by age.
mkdir -p "$d/sizes"
for n in 0 1 65535 65536 65537 131072 200000; do
	f=$d/sizes/p$n
	head -c "$n" /dev/urandom >"$f"
	check "encrypt $n bytes to 3 recipients" "$EC_BIN" encrypt -r "$r1" \
	    -R "$d/k2/age-recipients.txt" --recipient "$r3" "$f"
	for id in "$d/k1/age-identity.txt" "$d/k2/age-identity.txt" "$d/k3.txt"; do
		# Not -o: age creates no file at all for an empty plaintext.
		age -d -i "$id" "$f.age" >"$f.out" 2>"$IT_TMP/.log" &&
		    cmp -s "$f" "$f.out" && it_pass "age -d: $n bytes, $(basename "$id")" ||
		    it_fail "age -d: $n bytes, $(basename "$id")"
		rm -f "$f.out"
	done
	age -r "$r1" -r "$r3" -o "$f.cli.age" "$f"
	check "exportctl decrypt what age -r wrote: $n bytes" "$EC_BIN" decrypt \
	    -i "$d/k3.txt" -o "$f.dec" "$f.cli.age"
	check "  ... the same bytes" cmp "$f" "$f.dec"
done

# About 100 MiB, both ways, streamed.
big=$d/big
head -c $((100 * 1024 * 1024 + 4321)) /dev/urandom >"$big"
sum=$(sha256sum <"$big")
/usr/bin/time -f %M -o "$d/rss" "$EC_BIN" encrypt -r "$r1" -r "$r3" \
    -o "$d/big.age" "$big" >/dev/null
check_equal "100 MiB: age -d decrypts what exportctl wrote" \
    "$(age -d -i "$d/k3.txt" "$d/big.age" | sha256sum)" "$sum"
check_equal "100 MiB: encrypt peak RSS under 32 MiB (streams)" \
    "$(awk '{print ($1 < 32768)}' "$d/rss")" 1
age -r "$r1" -o "$d/big.cli.age" "$big"
/usr/bin/time -f %M -o "$d/rss" "$EC_BIN" decrypt -i "$d/k1/age-identity.txt" \
    -o "$d/big.dec" "$d/big.cli.age" >/dev/null
check_equal "100 MiB: exportctl decrypts what age -r wrote" \
    "$(sha256sum <"$d/big.dec")" "$sum"
check_equal "100 MiB: decrypt peak RSS under 32 MiB (streams)" \
    "$(awk '{print ($1 < 32768)}' "$d/rss")" 1
rm -f "$big" "$d/big.age" "$d/big.dec"

# refused NAME FILE [MSG]: exit 3, ERR_VERIFY_FAILED, MSG in the error,
# and the output directory stays empty (no plaintext, no temporary).
refused() {
	local name=$1 file=$2 msg=${3:-}
	rm -rf "$d/o" && mkdir "$d/o"
	check_fails "$name: exit 3" 3 ERR_VERIFY_FAILED "$EC_BIN" decrypt \
	    -i "$d/k1/age-identity.txt" -o "$d/o/plain" "$file"
	if [ -n "$msg" ]; then
		cp "$IT_TMP/.log" "$IT_TMP/err"
		check "$name: the error says \"$msg\"" grep -q "$msg" "$IT_TMP/err"
	fi
	check_equal "$name: nothing left behind" "$(ls -A "$d/o" | wc -l)" 0
}
src=$d/sizes/p200000.cli.age
cp "$src" "$d/t.age"
age -r "$r3" -o "$d/other.age" "$d/sizes/p200000"
refused "wrong identity" "$d/other.age" "no identity matches"
head -c $(($(stat -c %s "$src") - 100)) "$src" >"$d/t.age"
refused "truncated file" "$d/t.age" "chunk"
hdr=$(grep -abo -- '--- ' "$src" | head -n 1 | cut -d: -f1)
flip() {	# flip FILE OFFSET: xor one byte with 0x01
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# In the MAC's base64 another base64 letter, so the MAC still parses.
cp "$src" "$d/t.age"
if [ "$(dd if="$src" bs=1 skip=$((hdr + 10)) count=1 status=none)" = A ]
then c=B; else c=A; fi
printf %s "$c" | dd of="$d/t.age" bs=1 seek=$((hdr + 10)) conv=notrunc \
    status=none
refused "a flipped byte in the header MAC" "$d/t.age" "header MAC"
cp "$src" "$d/t.age" && flip "$d/t.age" $((hdr + 4 + 43 + 1 + 16 + 70000))
refused "a flipped byte in payload chunk 1" "$d/t.age" "payload chunk 1"
cp "$src" "$d/t.age" && printf 'garbage' >>"$d/t.age"
refused "trailing garbage" "$d/t.age" "chunk"
cp "$d/sizes/p65536.age" "$d/t.age" && printf 'x' >>"$d/t.age"
refused "trailing garbage after a full last chunk" "$d/t.age" "trailing data"

check_fails "a bad recipient: exit 2" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" encrypt -r age1notakey "$d/sizes/p1"
check_fails "an SSH recipient is named as such" 2 "SSH keys" \
    "$EC_BIN" encrypt -r "ssh-ed25519 AAAA" "$d/sizes/p1"
check_fails "plain text is not an age file: exit 2" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" decrypt -i "$d/k3.txt" -o "$d/x" \
    "$d/sizes/p1"
check_fails "an existing output is not overwritten" 2 ERR_CONFLICT \
    "$EC_BIN" decrypt -i "$d/k3.txt" -o "$d/sizes/p1" "$d/sizes/p1.age"
it_done
