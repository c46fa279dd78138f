#!/usr/bin/env bash
# Operating dsr from the command line: where settings come from (flag over
# environment over configuration file), the master key beside the database,
# dsr init, tokens (create, list, revoke, expiry), backup and restore.
# Every command reads the configuration file named here (DSR_CONFIG, or
# --config), never a /etc/dsr/dsr.conf the machine may hold.
set -u
dsr=$(realpath -- "$1")  # absolute: the test changes directory
source "$(dirname "$0")/cli_support.sh"

# Nothing from the caller's environment may leak in (DSR_DB, DSR_KEY_FILE...).
for variable in $(compgen -e); do
  case "$variable" in DSR_*) unset "$variable" ;; esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
empty="$work/empty.conf"
: >"$empty"
export DSR_CONFIG="$empty"

sum() { sha256sum "$1" | cut -d' ' -f1; }

# --- Settings: flag over environment over file ------------------------------
conf="$work/dsr.conf"
cat >"$conf" <<EOF
# dsr settings for the test
listen = 127.0.0.1:7001
db = $work/from-file/dsr.db
public-rate = 11
EOF
expect 0 "listen = 127.0.0.1:7001  # file $conf" -- "$dsr" config show --config "$conf"
expect 0 "db = $work/from-file/dsr.db  # file $conf" -- "$dsr" config show --config "$conf"
expect 0 "public-rate = 11  # file $conf" -- "$dsr" config show --config "$conf"
expect 0 "# configuration file: $conf" -- "$dsr" config show --config "$conf"
expect 0 "listen = 127.0.0.1:7002  # environment DSR_LISTEN" -- \
  env DSR_LISTEN=127.0.0.1:7002 "$dsr" config show --config "$conf"
expect 0 "db = $work/from-env/dsr.db  # environment DSR_DB" -- \
  env DSR_DB="$work/from-env/dsr.db" "$dsr" config show --config "$conf"
expect 0 "public-rate = 12  # environment DSR_PUBLIC_RATE" -- \
  env DSR_PUBLIC_RATE=12 "$dsr" config show --config "$conf"
expect 0 "listen = 127.0.0.1:7003  # flag" -- \
  env DSR_LISTEN=127.0.0.1:7002 "$dsr" config show --config "$conf" --listen 127.0.0.1:7003
expect 0 "db = $work/from-flag/dsr.db  # flag" -- \
  env DSR_DB="$work/from-env/dsr.db" "$dsr" config show --config "$conf" --db "$work/from-flag/dsr.db"
expect 0 "public-rate = 0  # flag" -- \
  env DSR_PUBLIC_RATE=12 "$dsr" config show --config "$conf" --public-rate 0
# Without any of the three: the default, said to be one.
expect 0 "listen = 127.0.0.1:8080  # default" -- "$dsr" config show --config "$empty"
expect 0 "public-rate = 30  # default" -- "$dsr" config show --config "$empty"
# DSR_CONFIG names the file; --config wins over it.
expect 0 "listen = 127.0.0.1:7001  # file $conf" -- env DSR_CONFIG="$conf" "$dsr" config show
expect 0 "listen = 127.0.0.1:8080  # default" -- env DSR_CONFIG="$conf" "$dsr" config show --config "$empty"
# The key's default place follows the database, wherever its path came from.
expect 0 "key-file = $work/from-env/master.key  # default: beside the database" -- \
  env DSR_DB="$work/from-env/dsr.db" "$dsr" config show --config "$conf"

# A misspelt key is an error naming the key and the file, for every command.
printf 'listen = 127.0.0.1:7001\nlisen = 127.0.0.1:7009\n' >"$work/bad.conf"
expect 2 "lisen" -- "$dsr" config show --config "$work/bad.conf"
expect 2 "$work/bad.conf" -- "$dsr" config show --config "$work/bad.conf"
expect 2 "lisen" -- "$dsr" token list --config "$work/bad.conf" --db "$work/none.db"
expect 2 "lisen" -- env DSR_CONFIG="$work/bad.conf" "$dsr" config show
# A file that is missing or cannot be read: exit 2, naming it.
expect 2 "$work/missing.conf" -- "$dsr" config show --config "$work/missing.conf"
expect 2 "$work/missing.conf" -- env DSR_CONFIG="$work/missing.conf" "$dsr" config show
expect 2 "$work/missing.conf" -- "$dsr" token list --config "$work/missing.conf" --db "$work/none.db"
expect 2 "cannot read the configuration file $work" -- "$dsr" config show --config "$work"  # a directory
if [ "$(id -u)" -ne 0 ]; then  # root reads any file whatever its mode
  cp "$conf" "$work/locked.conf"
  chmod 000 "$work/locked.conf"
  expect 2 "$work/locked.conf" -- "$dsr" config show --config "$work/locked.conf"
fi

# Passwords are never shown: a connection string's, from the environment, a flag or the file.
lacks "s3cret" -- env DSR_DB='postgresql://dsr:s3cret@db1/dsr' "$dsr" config show --config "$empty"
expect 0 "@db1/dsr  # environment DSR_DB" -- env DSR_DB='postgresql://dsr:s3cret@db1/dsr' "$dsr" config show --config "$empty"
lacks "s3cret" -- "$dsr" config show --config "$empty" --db 'host=db1 user=dsr password=s3cret dbname=dsr'
expect 0 "dbname=dsr  # flag" -- "$dsr" config show --config "$empty" --db 'host=db1 user=dsr password=s3cret dbname=dsr'
printf 'db = postgresql://dsr:s3cret@db1/dsr\n' >"$work/secret.conf"
lacks "s3cret" -- "$dsr" config show --config "$work/secret.conf"
expect 0 "@db1/dsr  # file $work/secret.conf" -- "$dsr" config show --config "$work/secret.conf"

# --- dsr init, and the key beside the database -----------------------------
inst="$work/inst"
db="$inst/dsr.db"
admin_token=$("$dsr" init --data-dir "$inst" --admin-name ada 2>"$work/init.err")
rc=$?
check "init exits 0" -- test "$rc" -eq 0 || cat "$work/init.err"
check "init prints an admin token on stdout" -- grep -qE '^dsr_[0-9a-f]+$' <<<"$admin_token"
check "init makes the data directory 0700" -- test "$(stat -c %a "$inst")" = 700
check "init makes master.key 0600" -- test "$(stat -c %a "$inst/master.key")" = 600
check "init makes the database" -- test -s "$db"
db_sum=$(sum "$db")
key_sum=$(sum "$inst/master.key")
expect 2 "already exists" -- "$dsr" init --data-dir "$inst"
check "a refused init leaves the database as it was" -- test "$(sum "$db")" = "$db_sum"
check "a refused init leaves the key as it was" -- test "$(sum "$inst/master.key")" = "$key_sum"
# A key alone is an installation too: init refuses it, and keeps it.
mkdir -m 700 "$work/keyonly"
head -c 32 /dev/urandom >"$work/keyonly/master.key"
chmod 600 "$work/keyonly/master.key"
keyonly_sum=$(sum "$work/keyonly/master.key")
expect 2 "$work/keyonly/master.key already exists" -- "$dsr" init --data-dir "$work/keyonly"
check "a refused init leaves a lone key as it was" -- test "$(sum "$work/keyonly/master.key")" = "$keyonly_sum"
check "a refused init makes no database" -- test ! -e "$work/keyonly/dsr.db"

# From another working directory the key is found beside the database (here a
# relative path), and nothing is made in the current directory.
mkdir "$work/elsewhere"
cd "$work/elsewhere" || exit 1
expect 0 "ada" -- "$dsr" token list --db ../inst/dsr.db
expect 0 "ada" -- "$dsr" token list --db "$db"
check "no var/ made in the working directory" -- test ! -e "$work/elsewhere/var"
check "nothing at all made in the working directory" -- test -z "$(ls -A "$work/elsewhere")"
# The key moved away: every command that needs it says where it looked (exit 2), and none makes one.
mv "$inst/master.key" "$work/moved.key"
expect 2 "no master key at $inst/master.key" -- "$dsr" token list --db "$db"
expect 2 "no master key at $inst/master.key" -- "$dsr" token create --role admin --name z --db "$db"
expect 2 "no master key at $inst/master.key" -- "$dsr" token revoke ada --db "$db"
expect 2 "no master key at $inst/master.key" -- "$dsr" audit verify --db "$db"
expect 2 "no master key at $inst/master.key" -- "$dsr" report sla --db "$db"
expect 2 "no master key at $inst/master.key" -- "$dsr" retention run --db "$db"
expect 2 "no master key at $inst/master.key" -- "$dsr" backup --db "$db" --to "$work/nokey-backup.db"
check "no command made a key" -- test ! -e "$inst/master.key"
check "no backup was written without the key" -- test ! -e "$work/nokey-backup.db"
# Named elsewhere, by flag or environment, it is used.
expect 0 "ada" -- "$dsr" token list --db "$db" --key-file "$work/moved.key"
expect 0 "ada" -- env DSR_KEY_FILE="$work/moved.key" "$dsr" token list --db "$db"
mv "$work/moved.key" "$inst/master.key"
# No database: exit 2, and none is made.
expect 2 "no database at $work/none/dsr.db" -- "$dsr" token list --db "$work/none/dsr.db"
expect 2 "no database at $work/none/dsr.db" -- "$dsr" token create --role admin --name z --db "$work/none/dsr.db"
expect 2 "no database at $work/none/dsr.db" -- "$dsr" backup --db "$work/none/dsr.db" --to "$work/none.bak"
check "no database or directory made for a missing one" -- test ! -e "$work/none"
# One configuration file serves every command: settings a command does not
# take (listen, public-rate) are no error, and the db comes from the file.
printf 'listen = 127.0.0.1:7001\npublic-rate = 11\ndb = %s\n' "$db" >"$work/shared.conf"
expect 0 "ada" -- "$dsr" token list --config "$work/shared.conf"
check "still nothing made in the working directory" -- test -z "$(ls -A "$work/elsewhere")"
cd "$work" || exit 1

# --- Tokens -----------------------------------------------------------------
rita=$("$dsr" token create --role reviewer --name rita --expires-in 90d --db "$db" 2>"$work/rita.err")
rc=$?
check "token create exits 0" -- test "$rc" -eq 0 || cat "$work/rita.err"
check "token create prints the token on stdout, alone" -- grep -qE '^dsr_[0-9a-f]+$' <<<"$rita"
rita_id=$(grep -oE 'tok_[0-9a-f]+' "$work/rita.err" | head -1)
check "token create names the id on stderr" -- test -n "$rita_id"
check "the id is not on stdout" -- test "${rita#*"$rita_id"}" = "$rita"
# Expires in 90 days (the day, taken before and after, in case midnight passes).
day_before=$(date -u -d '+90 days' +%F)
json=$("$dsr" token list --format json --db "$db" 2>&1)
day_after=$(date -u -d '+90 days' +%F)
rita_json=$(grep -oE "\{\"id\":\"$rita_id\"[^}]*\}" <<<"$json")
if grep -qF "\"expires_at\":\"$day_before" <<<"$rita_json" || grep -qF "\"expires_at\":\"$day_after" <<<"$rita_json"; then
  echo "ok: --expires-in 90d expires on $day_before"
else
  echo "FAIL: --expires-in 90d: expected expires_at on $day_before: $rita_json"; failures=$((failures + 1))
fi
expect 0 "$day_before" -- "$dsr" token list --db "$db"
for bad in soon 0d -5d 90 12x 1.5h; do
  expect 2 "--expires-in \"$bad\" is not a duration" -- "$dsr" token create --role reviewer --name x --expires-in="$bad" --db "$db"
done
lacks '"name":"x"' -- "$dsr" token list --all --format json --db "$db"  # the refused ones made no token
# Lists name the token and never hold a secret, in either format, with or without --all.
expect 0 "rita" -- "$dsr" token list --db "$db"
expect 0 "\"name\":\"rita\"" -- "$dsr" token list --format json --db "$db"
for secret in "$rita" "${rita#dsr_}" "$admin_token" "${admin_token#dsr_}"; do
  lacks "$secret" -- "$dsr" token list --db "$db"
  lacks "$secret" -- "$dsr" token list --all --format json --db "$db"
done
expect 2 "--format yaml is not text or json" -- "$dsr" token list --format yaml --db "$db"
# Settings from the environment alone: the database named by DSR_DB, nothing else.
cd "$work/elsewhere" || exit 1
env_token=$(env DSR_DB="$db" "$dsr" token create --role admin --name from-env 2>"$work/env.err")
rc=$?
check "DSR_DB alone serves token create" -- test "$rc" -eq 0 || cat "$work/env.err"
check "it printed a token" -- grep -qE '^dsr_[0-9a-f]+$' <<<"$env_token"
expect 0 "from-env" -- env DSR_DB="$db" "$dsr" token list
check "DSR_DB alone made nothing in the working directory" -- test -z "$(ls -A "$work/elsewhere")"
cd "$work" || exit 1
# Revoke by id.
"$dsr" token create --role verifier --name bob --db "$db" >/dev/null 2>"$work/bob.err"
bob_id=$(grep -oE 'tok_[0-9a-f]+' "$work/bob.err" | head -1)
check "bob has an id" -- test -n "$bob_id"
expect 0 "revoked $bob_id (bob, verifier)" -- "$dsr" token revoke "$bob_id" --db "$db"
lacks "$bob_id" -- "$dsr" token list --db "$db"
expect 0 "\"id\":\"$bob_id\",\"name\":\"bob\",\"role\":\"verifier\",\"institution\":null,\"status\":\"revoked\"" -- \
  "$dsr" token list --all --format json --db "$db"
expect 0 "rita" -- "$dsr" token list --db "$db"  # the others are untouched
# Revoke by name: every active token of that principal.
"$dsr" token create --role supervisor --name rita --db "$db" >/dev/null 2>"$work/rita2.err"
rita2_id=$(grep -oE 'tok_[0-9a-f]+' "$work/rita2.err" | head -1)
out=$("$dsr" token revoke rita --db "$db" 2>&1)
rc=$?
check "revoke by name exits 0" -- test "$rc" -eq 0 || echo "$out"
check "revoke by name revokes the first rita token" -- grep -qF "revoked $rita_id (rita, reviewer)" <<<"$out"
check "revoke by name revokes the second rita token" -- grep -qF "revoked $rita2_id (rita, supervisor)" <<<"$out"
lacks "rita" -- "$dsr" token list --db "$db"
all_json=$("$dsr" token list --all --format json --db "$db" 2>&1)
for id in "$rita_id" "$rita2_id"; do
  check "$id is listed as revoked" -- grep -qE "\{\"id\":\"$id\"[^}]*\"status\":\"revoked\"" <<<"$all_json"
done
check "the admin token is still active" -- grep -qE "\"name\":\"ada\"[^}]*\"status\":\"active\"" <<<"$all_json"
expect 2 'no token has the id "tok_0000000000000000deadbeef"' -- "$dsr" token revoke tok_0000000000000000deadbeef --db "$db"
expect 2 'no active token the name "rita"' -- "$dsr" token revoke rita --db "$db"
expect 2 "give the token's id" -- "$dsr" token revoke --db "$db"

# --- Backup and restore -----------------------------------------------------
backup="$work/backups/dsr-1.db"
mkdir "$work/backups"
expect 0 "backed up to $backup" -- "$dsr" backup --to "$backup" --db "$db"
check "the backup is a file" -- test -s "$backup"
check "the backup is 0600" -- test "$(stat -c %a "$backup")" = 600
check "the backup left nothing else beside it" -- test "$(ls -A "$work/backups")" = "dsr-1.db"
backup_sum=$(sum "$backup")
expect 0 "revoked" -- "$dsr" token revoke from-env --db "$db"  # after the backup
nonzero "already exists" -- "$dsr" backup --to "$backup" --db "$db"
check "a refused backup leaves the existing file unchanged" -- test "$(sum "$backup")" = "$backup_sum"
check "a refused backup leaves nothing beside it" -- test "$(ls -A "$work/backups")" = "dsr-1.db"
# Restore into a place that already holds a database (or its -wal): refused, untouched.
mkdir -m 700 "$work/full"
cp "$db" "$work/full/dsr.db"
cp "$inst/master.key" "$work/full/master.key"
full_sum=$(sum "$work/full/dsr.db")
nonzero "already exists" -- "$dsr" restore --from "$backup" --data-dir "$work/full"
check "a refused restore leaves the database there as it was" -- test "$(sum "$work/full/dsr.db")" = "$full_sum"
mkdir -m 700 "$work/walonly"
echo "stale" >"$work/walonly/dsr.db-wal"
nonzero "already exists" -- "$dsr" restore --from "$backup" --data-dir "$work/walonly" --key-file "$inst/master.key"
check "a refused restore makes no database beside a stale -wal" -- test ! -e "$work/walonly/dsr.db"
# The wrong key: exit 2, and nothing restored.
head -c 32 /dev/urandom >"$work/wrong.key"
chmod 600 "$work/wrong.key"
expect 2 "master key does not match" -- "$dsr" restore --from "$backup" --data-dir "$work/wrongkey" --key-file "$work/wrong.key"
check "a restore with the wrong key leaves no database" -- test ! -e "$work/wrongkey/dsr.db"
check "a restore with the wrong key leaves no scratch file" -- test -z "$(ls -A "$work/wrongkey" 2>/dev/null)"
# No key at all in the data directory, none named: exit 2, saying where it looked.
expect 2 "no master key at $work/nokey/master.key" -- "$dsr" restore --from "$backup" --data-dir "$work/nokey"
check "a restore without a key leaves no database" -- test ! -e "$work/nokey/dsr.db"
# The right key, named: restored, and the audit trail verifies.
expect 0 "restored $work/restored/dsr.db" -- \
  "$dsr" restore --from "$backup" --data-dir "$work/restored" --key-file "$inst/master.key"
expect 0 "ok: the journal is intact" -- "$dsr" audit verify --db "$work/restored/dsr.db" --key-file "$inst/master.key"
expect 0 "\"id\":\"$bob_id\",\"name\":\"bob\"" -- \
  "$dsr" token list --all --format json --db "$work/restored/dsr.db" --key-file "$inst/master.key"
check "the backup file is still there after the restore" -- test "$(sum "$backup")" = "$backup_sum"
# The right key already beside the new database: restore and audit find it there.
mkdir -m 700 "$work/restored2"
cp "$inst/master.key" "$work/restored2/master.key"
expect 0 "restored $work/restored2/dsr.db" -- "$dsr" restore --from "$backup" --data-dir "$work/restored2"
expect 0 "ok: the journal is intact" -- "$dsr" audit verify --db "$work/restored2/dsr.db"
check "the restored database is 0600" -- test "$(stat -c %a "$work/restored2/dsr.db")" = 600
# What is restored is the backup's snapshot: a token revoked since is active in it.
expect 0 "from-env" -- "$dsr" token list --db "$work/restored2/dsr.db"
# Garbage as a backup: refused.
head -c 4096 /dev/urandom >"$work/garbage.db"
nonzero "" -- "$dsr" restore --from "$work/garbage.db" --data-dir "$work/fromgarbage" --key-file "$inst/master.key"
check "a garbage backup is not restored" -- test ! -e "$work/fromgarbage/dsr.db"

# A file-level copy taken while a writer had not checkpointed: what is in
# its WAL is restored too (restore copies through SQLite, never byte by byte).
mkdir -p "$work/hot"
cp "$inst/dsr.db" "$work/live.db"
sqlite3 "$work/live.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA wal_autocheckpoint = 0;
INSERT INTO tokens (token_hash, id, principal, role, created_at) VALUES (randomblob(32), 'tok_only_in_wal', 'wal-only', 'auditor', 0);
.shell cp "$work/live.db" "$work/hot/copy.db"
.shell cp "$work/live.db-wal" "$work/hot/copy.db-wal"
SQL
check "the copy has a WAL holding the new row" -- test -s "$work/hot/copy.db-wal"
expect 0 "restored" -- "$dsr" restore --from "$work/hot/copy.db" --data-dir "$work/fromhot" --key-file "$inst/master.key"
expect 0 "wal-only" -- "$dsr" token list --db "$work/fromhot/dsr.db" --key-file "$inst/master.key"

# Refusals that leave nothing behind, and say what to do.
expect 2 "--admin-name must not be empty" -- "$dsr" init --data-dir "$work/noname" --admin-name ""
check "a refused init makes nothing" -- test ! -e "$work/noname"
# PostgreSQL: the master key must be named (every node shares it); a
# server that cannot be reached is named with its password masked.
expect 2 "give the master key's file with --key-file" -- "$dsr" token list --db 'postgresql://dsr:s3cret@db1/dsr'
pg_down='postgresql://dsr:s3cret@127.0.0.1:1/dsr?connect_timeout=2'
expect 1 "PostgreSQL database postgresql://dsr:***@127.0.0.1:1/dsr" -- "$dsr" token list --db "$pg_down" --key-file "$inst/master.key"
lacks "s3cret" -- "$dsr" token list --db "$pg_down" --key-file "$inst/master.key"
expect 2 "back PostgreSQL up with its own tools" -- "$dsr" backup --db "$pg_down" --key-file "$inst/master.key" --to "$work/pg.db"
expect 2 "neither a file nor a postgresql:// URI" -- "$dsr" token list --db 'mysql://db1/dsr'
expect 2 "does not exist; make it first" -- "$dsr" backup --db "$inst/dsr.db" --to "$work/no-such-dir/b.db"
expect 2 "is not a duration" -- "$dsr" token create --db "$inst/dsr.db" --role auditor --name far --expires-in 99999999999d
expect 0 "Usage: dsr token list" -- "$dsr" token list --help --config "$work/no-such.conf"
revoke_me=$("$dsr" token create --db "$inst/dsr.db" --role auditor --name twice 2>&1 >/dev/null | sed -n 's/.*: \(tok_[0-9a-f]*\) for.*/\1/p')
expect 0 "revoked $revoke_me" -- "$dsr" token revoke "$revoke_me" --db "$inst/dsr.db"
expect 0 "already revoked: $revoke_me" -- "$dsr" token revoke "$revoke_me" --db "$inst/dsr.db"

# dsr serve makes a key only with a new database: beside an existing one,
# a missing key is refused, and none is made.
expect 2 "no master key at $work/elsewhere-key/master.key" -- "$dsr" serve --db "$inst/dsr.db" --key-file "$work/elsewhere-key/master.key" --listen 127.0.0.1:0
check "serve made no key beside an existing database" -- test ! -e "$work/elsewhere-key/master.key"

finish
