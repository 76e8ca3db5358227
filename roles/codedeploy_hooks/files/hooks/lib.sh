# shellcheck shell=bash
#
# Functions shared by the CodeDeploy lifecycle hooks of teal.bluegreen.codedeploy_hooks; each hook sources
# this file, nothing runs it. The hooks and this file are the same on every instance: whatever differs from
# one application to another is a value in the settings file that the role renders beside the hooks
# directory (hooks.env), never a piece of code.

# Names of releases (colours), as teal.bluegreen.efs_symlink_switch accepts them.
BLUEGREEN_RELEASE_PATTERN='^[A-Za-z0-9._-]+$'
# The directory of this file: the hooks and their helpers.
BLUEGREEN_HOOKS_DIR=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

# CodeDeploy keeps what a hook prints in the deployment's log and shows its last lines in the console.
log() {
    printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${LIFECYCLE_EVENT:-hook}" "$*"
}

die() {
    log "FAILED: $*" >&2
    exit 1
}

is_true() {
    [[ ${1:-} == true ]]
}

# load_settings [FILE]: source the settings the role rendered. Sourcing runs the file as code, so it is used
# only when root owns it and nobody else can write to it.
load_settings() {
    local file=${1:-$BLUEGREEN_HOOKS_DIR/../hooks.env} owner mode
    [[ -e $file ]] || die "settings file $file does not exist: apply the teal.bluegreen.codedeploy_hooks role to this instance"
    read -r owner mode <<<"$(stat -L -c '%u %a' -- "$file")"
    if ((owner != 0 || (8#$mode & 8#022) != 0)); then
        die "settings file $file belongs to uid $owner with mode $mode: it must belong to root and be writable by root only; not using it"
    fi
    [[ -r $file ]] || die "settings file $file cannot be read by $(id -un): run this hook as root, or give the user's group read access with bluegreen_hooks_settings_group"
    # shellcheck source=/dev/null
    source "$file"
}

# require NAME...: every named setting must have a value.
require() {
    local name
    for name; do
        [[ -n ${!name:-} ]] || die "setting $name is empty: set it through the teal.bluegreen.codedeploy_hooks role"
    done
}

# install_packages PACKAGE...: install those that are missing, with the system's package manager.
install_packages() {
    local missing=() package
    (($# > 0)) || return 0
    if command -v dpkg-query >/dev/null; then
        for package; do
            # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
            [[ $(dpkg-query -W -f '${Status}' "$package" 2>/dev/null) == "install ok installed" ]] || missing+=("$package")
        done
    elif command -v rpm >/dev/null; then
        for package; do
            rpm -q --quiet "$package" || missing+=("$package")
        done
    else
        die "found neither dpkg nor rpm to install $*"
    fi
    if ((${#missing[@]} == 0)); then
        log "packages already installed: $*"
        return 0
    fi
    log "installing packages: ${missing[*]}"
    if command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    elif command -v dnf >/dev/null; then
        dnf install -y -q "${missing[@]}"
    else
        yum install -y -q "${missing[@]}"
    fi
}

# fstab_ensure FILE MOUNT_POINT LINE: make LINE the one entry of FILE for MOUNT_POINT. Other entries and
# comments stay as they are; the file is replaced in one rename, and only when its content changes.
fstab_ensure() {
    local file=$1 mount_point=$2 line=$3 current device point rest temp found=false changed=false
    temp=$(mktemp "$file.bluegreen.XXXXXX")
    if [[ -e $file ]]; then
        chmod --reference="$file" -- "$temp"
        chown --reference="$file" -- "$temp"
        while IFS= read -r current || [[ -n $current ]]; do
            read -r device point rest <<<"$current"
            if [[ $device == \#* || $point != "$mount_point" ]]; then
                printf '%s\n' "$current"
            elif [[ $found == false ]]; then
                found=true
                printf '%s\n' "$line"
                [[ $current == "$line" ]] || changed=true
            else
                changed=true
            fi
        done <"$file" >"$temp"
    else
        chmod 0644 -- "$temp"
    fi
    if [[ $found == false ]]; then
        printf '%s\n' "$line" >>"$temp"
        changed=true
    fi
    if [[ $changed == true ]]; then
        mv -f -- "$temp" "$file"
        log "$file: $line"
    else
        rm -f -- "$temp"
        log "$file already mounts $mount_point as wanted"
    fi
}

# mount_efs: the fstab entry of the EFS file system, then the mount itself when it is not mounted yet.
mount_efs() {
    local device type line
    require BLUEGREEN_EFS_ROOT BLUEGREEN_EFS_MOUNT_HELPER BLUEGREEN_EFS_MOUNT_OPTIONS
    case $BLUEGREEN_EFS_MOUNT_HELPER in
    efs)
        # amazon-efs-utils' mount helper, which finds the mount target from the file system id.
        require BLUEGREEN_EFS_FILE_SYSTEM_ID
        device="$BLUEGREEN_EFS_FILE_SYSTEM_ID:/"
        type=efs
        ;;
    nfs)
        # The kernel's NFS client, through the file system's DNS name.
        if [[ -z ${BLUEGREEN_EFS_DNS_NAME:-} ]]; then
            require BLUEGREEN_EFS_FILE_SYSTEM_ID BLUEGREEN_AWS_REGION
            BLUEGREEN_EFS_DNS_NAME="$BLUEGREEN_EFS_FILE_SYSTEM_ID.efs.$BLUEGREEN_AWS_REGION.amazonaws.com"
        fi
        device="$BLUEGREEN_EFS_DNS_NAME:/"
        type=nfs4
        ;;
    *)
        die "mount helper '$BLUEGREEN_EFS_MOUNT_HELPER' is neither efs nor nfs"
        ;;
    esac
    line="$device $BLUEGREEN_EFS_ROOT $type $BLUEGREEN_EFS_MOUNT_OPTIONS 0 0"
    mkdir -p -- "$BLUEGREEN_EFS_ROOT"
    fstab_ensure /etc/fstab "$BLUEGREEN_EFS_ROOT" "$line"
    if mountpoint -q "$BLUEGREEN_EFS_ROOT"; then
        log "$BLUEGREEN_EFS_ROOT is mounted"
    else
        log "mounting $device on $BLUEGREEN_EFS_ROOT ($type)"
        mount "$BLUEGREEN_EFS_ROOT" || die "could not mount $device on $BLUEGREEN_EFS_ROOT: check the file system id, the mount target in this subnet and that its security group allows NFS (TCP 2049) from this instance"
    fi
}

# ssm_parameter NAME [--with-decryption]: the value of the SSM parameter NAME, on stdout; why it could not be read,
# on stderr.
ssm_parameter() {
    local args
    require BLUEGREEN_AWS_REGION
    args=(--name "$1" --region "$BLUEGREEN_AWS_REGION" "${@:2}")
    if [[ -n ${BLUEGREEN_AWS_ENDPOINT_URL:-} ]]; then
        args+=(--endpoint-url "$BLUEGREEN_AWS_ENDPOINT_URL")
    fi
    python3 "$BLUEGREEN_HOOKS_DIR/ssm_parameter.py" "${args[@]}"
}

# live_color: the value of the live parameter, on stdout; the log goes to stderr.
live_color() {
    local value
    require BLUEGREEN_LIVE_PARAMETER
    value=$(ssm_parameter "$BLUEGREEN_LIVE_PARAMETER") || die "could not read the live colour from $BLUEGREEN_LIVE_PARAMETER"
    log "$BLUEGREEN_LIVE_PARAMETER says the live colour is '$value'" >&2
    printf '%s\n' "$value"
}

# switch_web_root PATH ROOT RELEASE REQUIRE_FILE REPLACE_DIRECTORY OWNER GROUP
# Point the symlink PATH at ROOT/RELEASE with the checks of teal.bluegreen.efs_symlink_switch: the new link is
# made beside PATH under a name of its own and renamed over PATH, so that PATH is never missing. Empty
# REQUIRE_FILE, OWNER and GROUP check and set nothing; REPLACE_DIRECTORY is true or false.
switch_web_root() {
    local path=$1 root=$2 release=$3 require_file=$4 replace_directory=$5 owner=$6 group=$7
    local parent text resolved resolved_root current temp backup

    [[ $path == /* ]] || die "path '$path' is not an absolute path: give it in full, like '/var/www/html'"
    [[ $root == /* ]] || die "root '$root' is not an absolute path: give it in full, like '/efs/shop'"
    if [[ $release == . || $release == .. ]]; then
        die "release '$release' is not a valid release name: it must name a directory inside root, like 'green' or 'v2.1'"
    fi
    [[ $release =~ $BLUEGREEN_RELEASE_PATTERN ]] || die "release '$release' is not a valid release name: use letters, digits, '.', '_' or '-' (like 'green' or 'v2.1')"
    if [[ -n $require_file && ($require_file == /* || /$require_file/ == */../*) ]]; then
        die "require_file '$require_file' is not a file name inside the release: give a relative path without '..', like 'index.html' or 'public/index.html'"
    fi
    path=$(realpath -m -s -- "$path")
    parent=$(dirname -- "$path")
    [[ $path != / ]] || die "path '$path' is the file system root; give the path the web server serves"
    [[ -d $parent ]] || die "the directory '$parent' of path '$path' does not exist; create it first"

    if [[ ! -d $root ]]; then
        [[ ! -e $root && ! -L $root ]] || die "root '$root' is not a directory; give the directory that holds the releases"
        die "root '$root' does not exist: mount the file system that holds the releases (EFS) or create it"
    fi
    text=$(realpath -m -s -- "$root")
    text=${text%/}/$release
    resolved_root=$(realpath -e -- "$root")
    resolved=$(realpath -m -- "$text")
    if [[ $resolved == "$resolved_root" || $resolved != "${resolved_root%/}"/* ]]; then
        die "release '$release' leads to '$resolved', outside root '$root' ('$resolved_root'): a release must be a directory inside root; check what '$text' links to"
    fi
    if [[ ! -d $resolved ]]; then
        [[ -e $resolved ]] && die "release directory '$text' is not a directory: put release '$release' there first, or check release and root"
        die "release directory '$text' does not exist: put release '$release' there first, or check release and root"
    fi
    if [[ -n $require_file && ! -f $resolved/$require_file ]]; then
        die "'$require_file' is not a file in release directory '$text': not switching to an incomplete release (finish copying it, or check require_file)"
    fi

    if [[ -L $path ]]; then
        current=$(readlink -- "$path")
        if [[ $current == "$text" ]]; then
            log "$path already points at $text"
            return 0
        fi
    elif [[ -d $path ]]; then
        is_true "$replace_directory" || die "path '$path' is a real directory, not a symlink: set bluegreen_web_root_replace_directory to move it aside to $path.bluegreen-backup-<UTC time> and link '$text' in its place, or move it yourself"
        current="(directory)"
    elif [[ -e $path ]]; then
        die "path '$path' is a regular file or another kind of file; not replacing it (remove it, or choose the path the web server serves)"
    else
        current="(nothing)"
    fi

    temp="$parent/.$(basename -- "$path").bluegreen-$$-$RANDOM$RANDOM"
    ln -s -- "$text" "$temp" || die "could not create the link $temp; '$path' was left as it was"
    if [[ -n $owner || -n $group ]]; then
        chown -h -- "$owner${group:+:$group}" "$temp" || {
            rm -f -- "$temp"
            die "could not give the link the owner '$owner' and group '$group'; '$path' was left as it was"
        }
    fi
    if [[ $current == "(directory)" ]]; then
        # coreutils has no way to exchange two names in one step: the document root is missing for the
        # moment between the two renames, this once.
        backup="$path.bluegreen-backup-$(date -u +%Y%m%dT%H%M%SZ)"
        if [[ -e $backup || -L $backup ]]; then
            rm -f -- "$temp"
            die "cannot move directory '$path' aside: '$backup' already exists; move that away and run again"
        fi
        mv -T -- "$path" "$backup" || {
            rm -f -- "$temp"
            die "could not move directory '$path' aside to '$backup'; '$path' was left as it was"
        }
        mv -T -- "$temp" "$path" || {
            mv -T -- "$backup" "$path"
            rm -f -- "$temp"
            die "could not put the link at '$path'; the directory was put back"
        }
        log "$path -> $text (the directory that was there is now $backup)"
        return 0
    fi
    mv -T -- "$temp" "$path" || {
        rm -f -- "$temp"
        die "could not point '$path' at '$text'; '$path' was left as it was"
    }
    log "$path -> $text (was $current)"
}

# The web server, through systemd where it runs the system, its init script elsewhere (containers, chroots).
service_is_running() {
    if [[ -d /run/systemd/system ]]; then
        systemctl is-active --quiet "$1"
    else
        service "$1" status >/dev/null 2>&1
    fi
}

service_do() {
    local action=$1 name=$2
    log "$action $name"
    if [[ -d /run/systemd/system ]]; then
        systemctl "$action" "$name" || die "systemctl $action $name failed; see journalctl -u $name"
    else
        service "$name" "$action" || die "service $name $action failed"
    fi
}

# http_check URL STATUS BODY RETRIES DELAY TIMEOUT [HEADER SOURCE]: the URL must answer STATUS, with BODY in the
# answer when BODY is not empty, within RETRIES attempts DELAY seconds apart, each given TIMEOUT seconds. HEADER, a
# line 'Name: value' that may hold a secret, goes with every request; curl reads it from its standard input,
# since a command line is visible to every user of the instance (ps). Messages name the header and SOURCE, where
# its value came from, never the value.
http_check() {
    local url=$1 want=$2 body=$3 retries=$4 delay=$5 timeout=$6 header=${7:-} source=${8:-} attempt=1
    local answer status code problem sent=''
    local curl=(curl --silent --max-time "$timeout" --write-out '\n%{http_code}')
    [[ -z $header ]] || sent=" with header ${header%%:*} from $source"
    while true; do
        code=0
        if [[ -n $header ]]; then
            answer=$(printf '%s\n' "$header" | "${curl[@]}" --header @- "$url") || code=$?
        else
            answer=$("${curl[@]}" "$url") || code=$?
        fi
        status=${answer##*$'\n'}
        answer=${answer%$'\n'*}
        if [[ $code != 0 ]]; then
            problem="no HTTP answer (curl exit $code)"
        elif [[ $status != "$want" ]]; then
            problem="answered $status$sent"
        elif [[ -n $body && $answer != *"$body"* ]]; then
            problem="answered $status$sent without '$body' in the page"
        else
            log "$url answered $status$sent (attempt $attempt of $retries)"
            return 0
        fi
        if ((attempt >= retries)); then
            if [[ -n $header && ($status == 401 || $status == 403) ]]; then
                die "$url $problem after $attempt attempts, expected $want: the application refused the request; check that $source holds the value it expects; not allowing traffic to it"
            fi
            die "$url $problem after $attempt attempts, expected $want: the instance does not serve the application; not allowing traffic to it"
        fi
        log "$url $problem (attempt $attempt of $retries); trying again in ${delay}s"
        sleep "$delay"
        attempt=$((attempt + 1))
    done
}

# check_application: the HTTP check of the settings. With BLUEGREEN_CHECK_SECRET_PARAMETER, the check sends the
# value of that SecureString parameter in the header BLUEGREEN_CHECK_SECRET_HEADER; the value is read here, at each
# check, and kept in this shell only: it is never written to a file, exported or put on a command line.
check_application() {
    local secret='' header='' parameter=${BLUEGREEN_CHECK_SECRET_PARAMETER:-}
    require BLUEGREEN_CHECK_URL BLUEGREEN_CHECK_STATUS BLUEGREEN_CHECK_RETRIES BLUEGREEN_CHECK_DELAY BLUEGREEN_CHECK_TIMEOUT
    if [[ -n $parameter ]]; then
        require BLUEGREEN_CHECK_SECRET_HEADER BLUEGREEN_AWS_REGION
        secret=$(ssm_parameter "$parameter" --with-decryption) || die "could not read the check secret from $parameter: check that it exists in $BLUEGREEN_AWS_REGION and that the instance profile allows ssm:GetParameter on it and kms:Decrypt on its key"
        [[ -n $secret ]] || die "the check secret in $parameter is empty: put the value the application expects in it"
        if [[ $secret == *[$'\r\n']* ]]; then
            die "the check secret in $parameter has a line break, which an HTTP header cannot carry: put it on one line"
        fi
        header="$BLUEGREEN_CHECK_SECRET_HEADER: $secret"
    fi
    http_check "$BLUEGREEN_CHECK_URL" "$BLUEGREEN_CHECK_STATUS" "${BLUEGREEN_CHECK_BODY:-}" \
        "$BLUEGREEN_CHECK_RETRIES" "$BLUEGREEN_CHECK_DELAY" "$BLUEGREEN_CHECK_TIMEOUT" "$header" "$parameter"
}

# switch_to_live_color: point the web root at the release of the colour the live parameter names.
switch_to_live_color() {
    local color
    require BLUEGREEN_WEB_ROOT BLUEGREEN_RELEASES_ROOT
    color=$(live_color)
    switch_web_root "$BLUEGREEN_WEB_ROOT" "$BLUEGREEN_RELEASES_ROOT" "$color" "${BLUEGREEN_REQUIRE_FILE:-}" \
        "${BLUEGREEN_WEB_ROOT_REPLACE_DIRECTORY:-false}" "${BLUEGREEN_WEB_ROOT_OWNER:-}" "${BLUEGREEN_WEB_ROOT_GROUP:-}"
}
