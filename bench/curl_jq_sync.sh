#!/usr/bin/env bash
# The sync script admins write today: page through /api/v2/devices with curl and jq, one process
# pair per page, appending every device as a JSON line. Kept as the benchmark's baseline.
#
#   EPMM_PASSWORD=... curl_jq_sync.sh HOST:PORT USER SPACE CA_FILE OUT_FILE
set -euo pipefail
host=$1 user=$2 space=$3 cacert=$4 out=$5
fields="common.uuid,common.id,common.status,common.platform,common.model,common.last_connected_at,user.user_id,android.afw_capable"
offset=0
: > "$out"
for _ in $(seq 1 100000); do
    page=$(curl -sS --fail --cacert "$cacert" -u "$user:$EPMM_PASSWORD" \
        "https://$host/api/v2/devices?adminDeviceSpaceId=$space&query=&fields=$fields&limit=200&offset=$offset&sortField=common.id&sortOrder=ASC")
    jq -c '.results[]' <<<"$page" >> "$out"
    count=$(jq '.results | length' <<<"$page")
    more=$(jq '.hasMore' <<<"$page")
    offset=$((offset + count))
    if [ "$more" != "true" ] || [ "$count" -eq 0 ]; then
        break
    fi
done
