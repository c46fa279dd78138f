# A throwaway PKI for the client-certificate tests, made with openssl at
# test time (no key is ever committed). Sourced; `make_test_pki DIR` makes,
# in DIR:
#   ca.pem              the staff CA (CN=dsr Test Staff CA), its key ca.key
#   server.pem/.key     the server's certificate for 127.0.0.1, from the same CA
#   sari.pem/.key       a supervisor's certificate (CN=Sari Supervisor)
#   ari.pem/.key        an auditor's certificate (CN=Ari Auditor), mapped by issuer and serial
#   unknown.pem/.key    sound, from the CA, mapped to no one (CN=Umar Unknown)
#   revoked.pem/.key    from the CA, revoked in crl.pem (CN=Rini Revoked)
#   expired.pem/.key    from the CA, valid in January 2020 only (CN=Edo Expired)
#   stranger.pem/.key   from another CA the server does not trust
#   forged.pem/.key     a forgery of ari.pem: the same issuer name and serial, from
#                       another key calling itself the staff CA
#   crl.pem             the CA's revocation list, revoking revoked.pem
#   sari.p12 etc. are not made: Playwright and curl take PEM.
# And `revoke_in_test_pki DIR NAME` revokes another and writes crl.pem anew.
make_test_pki() {
  local dir="$1"
  mkdir -p "$dir/issued"
  : >"$dir/index.txt"
  echo 1000 >"$dir/serial"
  echo 01 >"$dir/crlnumber"
  cat >"$dir/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $dir
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
countryName = optional
[ client_cert ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ server_cert ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
CNF
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 \
    -subj "/C=ID/O=dsr tests/CN=dsr Test Staff CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  issue() {  # issue NAME SUBJECT EXTENSIONS [openssl ca options]
    local name="$1" subject="$2" extensions="$3"
    shift 3
    openssl req -new "${ec[@]}" -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subject" 2>/dev/null
    openssl ca -batch -notext -config "$dir/ca.cnf" -extensions "$extensions" -in "$dir/$name.csr" \
      -out "$dir/$name.pem" "$@" 2>/dev/null
  }
  issue server "/O=dsr tests/CN=127.0.0.1" server_cert
  issue sari "/O=dsr tests/CN=Sari Supervisor" client_cert
  issue ari "/O=dsr tests/CN=Ari Auditor" client_cert
  issue unknown "/O=dsr tests/CN=Umar Unknown" client_cert
  issue revoked "/O=dsr tests/CN=Rini Revoked" client_cert
  issue expired "/O=dsr tests/CN=Edo Expired" client_cert -startdate 20200101000000Z -enddate 20200131000000Z
  # Another CA, and a certificate from it.
  openssl req -x509 "${ec[@]}" -keyout "$dir/stranger-ca.key" -out "$dir/stranger-ca.pem" -days 30 \
    -subj "/C=ID/O=elsewhere/CN=Stranger CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
  openssl req -new "${ec[@]}" -keyout "$dir/stranger.key" -out "$dir/stranger.csr" -subj "/CN=Sam Stranger" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$dir/stranger.ext"
  openssl x509 -req -in "$dir/stranger.csr" -CA "$dir/stranger-ca.pem" -CAkey "$dir/stranger-ca.key" \
    -CAcreateserial -days 30 -extfile "$dir/stranger.ext" -out "$dir/stranger.pem" 2>/dev/null
  # A forger's CA with the staff CA's very name, and Ari's serial under it.
  openssl req -x509 "${ec[@]}" -keyout "$dir/forger-ca.key" -out "$dir/forger-ca.pem" -days 30 \
    -subj "/C=ID/O=dsr tests/CN=dsr Test Staff CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
  openssl req -new "${ec[@]}" -keyout "$dir/forged.key" -out "$dir/forged.csr" -subj "/O=dsr tests/CN=Ari Auditor" 2>/dev/null
  openssl x509 -req -in "$dir/forged.csr" -CA "$dir/forger-ca.pem" -CAkey "$dir/forger-ca.key" \
    -set_serial "0x$(openssl x509 -in "$dir/ari.pem" -noout -serial | cut -d= -f2)" -days 30 \
    -extfile "$dir/stranger.ext" -out "$dir/forged.pem" 2>/dev/null
  revoke_in_test_pki "$dir" revoked
}

revoke_in_test_pki() {  # revoke_in_test_pki DIR NAME: revokes NAME.pem; writes crl.pem anew (renamed over the old)
  local dir="$1" name="$2"
  openssl ca -batch -config "$dir/ca.cnf" -revoke "$dir/$name.pem" 2>/dev/null
  openssl ca -batch -config "$dir/ca.cnf" -gencrl -out "$dir/crl.pem.new" 2>/dev/null
  mv "$dir/crl.pem.new" "$dir/crl.pem"
}
