#!/usr/bin/env bash
# A single-node Slurm cluster on the CI machine, so that tests/test_slurm.py submits the
# real slurm/ scripts to a real slurmctld + slurmd (no GPU: two placeholder files stand
# for the two RTX 2080 Ti of a HAL node, so that `--gres=gpu:1` is accepted).
#
# Root only, Debian (apt-get), no systemd needed: daemons are started directly.
# Idempotent: does nothing when the node already answers `idle`.
# Never fails CI: when Slurm cannot be set up it says why and exits 0; the Slurm tests
# then skip with their own reason.
#
#   bash .ci/slurm-setup.sh            # set up (or check) the cluster
#   bash .ci/slurm-setup.sh --stop     # stop the daemons this script started
set -uo pipefail

conf_dir=/etc/slurm
state=/var/lib/espri-ci-slurm        # spool, state, logs, pid files, placeholder GPUs
node=$(hostname -s 2>/dev/null || uname -n)

say() { echo "slurm-setup: $*"; }
give_up() {
    say "$* -- Slurm not available: tests/test_slurm.py will skip"
    exit 0
}

stop_daemons() {
    local name pid
    for name in slurmd slurmctld; do
        if [ -r "$state/$name.pid" ]; then
            pid=$(cat "$state/$name.pid")
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                say "stopping $name (pid $pid)"
                kill "$pid"
                for _ in 1 2 3 4 5 6 7 8 9 10; do
                    kill -0 "$pid" 2>/dev/null || break
                    sleep 0.5
                done
            fi
            rm -f "$state/$name.pid"
        fi
    done
}

node_state() { sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1; }

[ "$(id -u)" -eq 0 ] || give_up "not root (uid $(id -u))"

if [ "${1:-}" = "--stop" ]; then
    stop_daemons
    exit 0
fi

if command -v sinfo >/dev/null 2>&1; then
    case $(node_state) in
        idle|mixed|allocated) say "node $node already up: nothing to do"; exit 0 ;;
    esac
fi

# --- packages ---------------------------------------------------------------------------
need=()
for pair in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge \
            shellcheck:shellcheck; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] \
        || need+=("${pair#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || give_up "no apt-get to install ${need[*]}"
    # No daemon may start from the packages' maintainer scripts: we start our own below.
    policy=/usr/sbin/policy-rc.d
    made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
    fi
    say "installing slurm-wlm munge shellcheck (missing: ${need[*]})"
    export DEBIAN_FRONTEND=noninteractive
    ok=1
    apt-get update -qq || ok=
    [ -n "$ok" ] && { apt-get install -y -qq --no-install-recommends \
        slurm-wlm munge shellcheck >/dev/null || ok=; }
    [ -n "$made_policy" ] && rm -f "$policy"
    [ -n "$ok" ] || give_up "apt-get could not install slurm-wlm munge shellcheck"
fi
for daemon in munged slurmctld slurmd; do
    [ -x "/usr/sbin/$daemon" ] || give_up "/usr/sbin/$daemon missing after install"
done

# --- munge ------------------------------------------------------------------------------
if ! (munge -n | unmunge) >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
        say "creating /etc/munge/munge.key"
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile=/etc/munge/munge.key --force
        else
            /usr/sbin/create-munge-key -f
        fi
    fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
    chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    chmod 0400 /etc/munge/munge.key
    say "starting munged"
    runuser -u munge -- /usr/sbin/munged || give_up "munged did not start"
    for _ in $(seq 20); do
        (munge -n | unmunge) >/dev/null 2>&1 && break
        sleep 0.5
    done
    (munge -n | unmunge) >/dev/null 2>&1 || give_up "munge credentials do not round-trip"
fi

# --- slurm.conf and gres.conf -----------------------------------------------------------
stop_daemons
mkdir -p "$conf_dir" "$state/ctld" "$state/d" "$state/log"
# Placeholder device files for the node's two "GPUs" (a HAL node has 2 RTX 2080 Ti):
# character devices equal to /dev/null, so that slurmd accepts them and sets
# CUDA_VISIBLE_DEVICES; plain files where mknod is not allowed (gres still accepted).
for i in 0 1; do
    if [ ! -c "$state/gpu$i" ]; then
        rm -f "$state/gpu$i"
        mknod -m 0666 "$state/gpu$i" c 1 3 2>/dev/null || : > "$state/gpu$i"
    fi
done
# Declared like a HAL node (2 sockets x 4 cores x 2 threads, 2 GPUs), whatever this
# machine has: `config_overrides` makes slurmd report the declared resources, so the
# scripts' own #SBATCH requests (sized for a 2080 Ti node) are tested unchanged. Nothing
# is enforced here (task/none, no cgroups), so a 2-core CI machine runs them fine.
cat > "$conf_dir/slurm.conf" <<EOF
# Written by .ci/slurm-setup.sh (espri_gpu CI): single-node test cluster.
ClusterName=espri-ci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
SlurmdParameters=config_overrides
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=4
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=30
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 CPUs=16 Boards=1 SocketsPerBoard=2 CoresPerSocket=4 ThreadsPerCore=2 RealMemory=64000 Gres=gpu:2 State=UNKNOWN
PartitionName=gpu Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
cat > "$conf_dir/gres.conf" <<EOF
# Written by .ci/slurm-setup.sh: two placeholder files, no real GPU.
AutoDetect=off
NodeName=$node Name=gpu File=$state/gpu[0-1]
EOF

# --- daemons ----------------------------------------------------------------------------
say "starting slurmctld and slurmd (logs in $state/log)"
/usr/sbin/slurmctld -i || give_up "slurmctld did not start (see $state/log/slurmctld.log)"
/usr/sbin/slurmd || give_up "slurmd did not start (see $state/log/slurmd.log)"

for _ in $(seq 60); do
    current=$(node_state)
    [ "$current" = idle ] && break
    case "$current" in
        down*|drain*) scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 ;;
    esac
    sleep 0.5
done
if [ "$(node_state)" != idle ]; then
    tail -n 5 "$state/log/slurmctld.log" "$state/log/slurmd.log" 2>/dev/null
    give_up "node $node is '$(node_state)', not idle"
fi
sinfo -N -o '%N %T %c %m %G'
say "ready: node $node idle, partition gpu"
