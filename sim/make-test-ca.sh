#!/bin/sh
# Creates a throw-away PKI for the EPMM simulator in OUTDIR: a root CA, an intermediate, and
# server certificates for the cases tests need (good chain, missing intermediate, wrong name,
# expired, unrelated root). Safe to run again: an OUTDIR that is complete is left alone.
#
#   ca.pem                   root CA (the bundle a client should trust)
#   chain.pem, key.pem       leaf for localhost, 127.0.0.1 and ::1, followed by the intermediate
#   leaf-only.pem            the same leaf without the intermediate
#   wrong-name.pem, wrong-name-key.pem   leaf (+ intermediate) for wrong.example only
#   expired.pem, expired-key.pem         leaf (+ intermediate) whose validity ended in 2020
#   other-ca.pem             a root CA that signed none of the above
set -eu

out=${1:?usage: make-test-ca.sh OUTDIR}
if [ -f "$out/.complete" ]; then
    exit 0
fi

# Built beside OUTDIR and renamed into place, so runs in parallel never mix keys and certificates.
parent=$(dirname -- "$out")
mkdir -p "$parent"
out=$(cd "$parent" && pwd)/$(basename -- "$out")
work=$(mktemp -d "$out.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/pki"
cd "$work"

cat > ext.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[wrong_name]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example

# Only for the expired leaf: "openssl ca" is the one OpenSSL 3.0 command that takes explicit
# start and end dates.
[ca]
default_ca = issuer
[issuer]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 8)"; }

# A self-signed root: root NAME KEY CERT
root() {
    key "$2"
    openssl req -config ext.cnf -x509 -new -key "$2" -subj "/CN=$1" -days 3650 \
        -extensions root -set_serial "$(serial)" -out "$3"
}

# A certificate signed by a CA: sign CN EXTENSIONS KEY CERT ISSUER_CERT ISSUER_KEY
sign() {
    key "$3"
    openssl req -config ext.cnf -new -key "$3" -subj "/CN=$1" -out "$4.csr"
    openssl x509 -req -in "$4.csr" -CA "$5" -CAkey "$6" -set_serial "$(serial)" -days 825 \
        -extfile ext.cnf -extensions "$2" -out "$4" 2>/dev/null
}

root "tectl test root CA" root-key.pem ca.pem
sign "tectl test intermediate CA" intermediate int-key.pem int.pem ca.pem root-key.pem
sign "localhost" leaf key.pem leaf-only.pem int.pem int-key.pem
sign "wrong.example" wrong_name wrong-name-key.pem wrong-name-leaf.pem int.pem int-key.pem
root "tectl unrelated root CA" other-ca-key.pem other-ca.pem

key expired-key.pem
openssl req -config ext.cnf -new -key expired-key.pem -subj "/CN=localhost" -out expired.csr
: > index.txt
openssl rand -hex 8 > serial
openssl ca -config ext.cnf -batch -notext -cert int.pem -keyfile int-key.pem -in expired.csr \
    -startdate 20200101000000Z -enddate 20200201000000Z -extfile ext.cnf -extensions leaf \
    -out expired-leaf.pem 2>/dev/null

cat leaf-only.pem int.pem > chain.pem
cat wrong-name-leaf.pem int.pem > wrong-name.pem
cat expired-leaf.pem int.pem > expired.pem

for f in ca.pem chain.pem leaf-only.pem key.pem wrong-name.pem wrong-name-key.pem expired.pem \
    expired-key.pem other-ca.pem; do
    mv "$f" "pki/$f"
done
touch pki/.complete

if ! mv -T pki "$out" 2>/dev/null && [ ! -f "$out/.complete" ]; then
    # OUTDIR exists and holds other files: add ours to it.
    cp -p pki/*.pem "$out/"
    touch "$out/.complete"
fi
