"""The HAL scripts (``slurm/``, ``modules.txt``) work, on a real Slurm cluster.

CI runs ``.ci/slurm-setup.sh`` first: as root it starts a single-node cluster (munged,
slurmctld, slurmd; two placeholder GPUs so that ``--gres=gpu:1`` is accepted). The tests
that need Slurm submit the real scripts with ``sbatch --wait`` and skip, with the reason,
where no such cluster answers. The other tests (``bash -n``, shellcheck, modules.txt, the
README's "On HAL" section) run everywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLURM = ROOT / "slurm"
SCRIPTS = sorted(SLURM.glob("*.sh")) + sorted(SLURM.glob("*.sbatch"))
USER_SCRIPTS = ["interactive.sh", "report.sbatch", "bench.sbatch", "test-gpu.sbatch"]
ALL_SHELL = [*SCRIPTS, ROOT / ".ci" / "slurm-setup.sh", ROOT / ".ci" / "run"]
CI_CLUSTER = "espri-ci"  # ClusterName written by .ci/slurm-setup.sh
JOB_TIMEOUT = 180  # seconds; a job of these tests takes about 5


def _example(filename: str) -> Path:
    return ROOT / "espri_gpu" / "data" / "espri2020" / filename


def _job_env(**extra: str) -> dict[str, str]:
    """The environment given to jobs: this interpreter first on PATH, its venv if any."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    activate = Path(sys.prefix) / "bin" / "activate"
    env["ESPRI_GPU_VENV"] = sys.prefix if activate.is_file() else "none"
    for name in ("OUT", "RESPONSES", "CODEBOOK", "INTERPRETATIONS", "BACKEND", "SIZE",
                 "REPEAT", "SKIP_BAD_ROWS", "ESPRI_GPU_REPO"):
        env.pop(name, None)  # the scripts' variables come from each test only
    env.update(extra)
    return env


def _module_lines() -> list[list[str]]:
    lines = []
    for line in (ROOT / "modules.txt").read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            lines.append(words)
    return lines


# --- everywhere: syntax, lint, modules.txt, README ------------------------------------


def test_every_script_exists_and_is_valid_bash() -> None:
    for name in USER_SCRIPTS:
        assert (SLURM / name).is_file(), name
    for script in ALL_SHELL:
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script}: {result.stderr}"


def test_every_script_passes_shellcheck() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed (Debian: apt-get install shellcheck; "
                    ".ci/slurm-setup.sh installs it)")
    result = subprocess.run(["shellcheck", "-x", *map(str, ALL_SHELL)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_batch_scripts_request_one_gpu_and_name_logs_by_job_id() -> None:
    for script in SLURM.glob("*.sbatch"):
        text = script.read_text(encoding="utf-8")
        for directive in ("--gres=gpu:1", "--cpus-per-task=", "--mem=", "--time=",
                          f"--output=espri_gpu-{script.stem}-%j.out",
                          f"--error=espri_gpu-{script.stem}-%j.err"):
            assert f"#SBATCH {directive}" in text, (script.name, directive)
        assert "set -euo pipefail" in text, script.name


def test_dask_gpu_workers_pool_is_a_fraction_of_their_gpu() -> None:
    """`dask cuda worker --rmm-pool-size` gets a fraction of each GPU's memory (dask-cuda
    reads a float in (0, 1] so), the one of `--cluster local`, not a size fitted to one card."""
    from espri_gpu.distributed import RMM_POOL_FRACTION

    text = (SLURM / "dask-multinode.sbatch").read_text(encoding="utf-8")
    match = re.search(r'--rmm-pool-size "\$\{RMM_POOL_SIZE:-([^}]*)\}"', text)
    assert match, "dask-multinode.sbatch: no --rmm-pool-size \"${RMM_POOL_SIZE:-...}\""
    assert float(match.group(1)) == RMM_POOL_FRACTION  # raises ValueError on a size: 9GB
    assert 0.0 < RMM_POOL_FRACTION <= 0.6


def _source_env(tmp_path: Path, module_body: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Source slurm/_env.sh as the scripts do (no Slurm), with a fake `module` command."""
    env = _job_env(ESPRI_GPU_REPO=str(ROOT), **extra)
    for name in [n for n in env if n.startswith("SLURM_")]:
        del env[name]
    env["BASH_FUNC_module%%"] = f"() {{ {module_body}; }}"
    script = 'set -euo pipefail; . "$ESPRI_GPU_REPO/slurm/_env.sh"; echo "ENV READY"'
    return subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_scripts_load_every_module_line_of_modules_txt(tmp_path: Path) -> None:
    log = tmp_path / "modules.log"
    result = _source_env(tmp_path, f'echo "$*" >> {log}')
    assert result.returncode == 0, result.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "load " + " ".join(words) for words in _module_lines()]
    assert "backend auto -> " in result.stdout  # then `python -m espri_gpu info`
    assert result.stdout.endswith("ENV READY\n")


MODULE_INITS = ["/etc/profile.d/modules.sh", "/etc/profile.d/lmod.sh",
                "/usr/share/lmod/lmod/init/bash", "/usr/share/Modules/init/bash",
                "/usr/share/modules/init/bash"]  # where slurm/_env.sh looks for `module`


def test_without_module_command_modules_are_skipped_with_a_message(tmp_path: Path) -> None:
    if any(Path(init).exists() for init in MODULE_INITS):
        pytest.skip("this machine has environment modules")
    env = {k: v for k, v in _job_env(ESPRI_GPU_REPO=str(ROOT)).items()
           if "module" not in k.lower()}
    script = 'set -euo pipefail; . "$ESPRI_GPU_REPO/slurm/_env.sh"; echo "ENV READY"'
    result = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "no 'module' command here: skipping modules.txt" in result.stdout
    assert result.stdout.endswith("ENV READY\n")


def test_a_failing_module_load_stops_the_script(tmp_path: Path) -> None:
    result = _source_env(tmp_path, "return 1")
    assert result.returncode != 0
    assert "failed: check `module avail` and edit " in result.stderr, result.stderr
    assert "modules.txt" in result.stderr
    assert "ENV READY" not in result.stdout


def test_a_missing_venv_stops_the_script_with_the_fix(tmp_path: Path) -> None:
    result = _source_env(tmp_path, "true", ESPRI_GPU_VENV=str(tmp_path / "nope"))
    assert result.returncode != 0
    assert f"no virtual environment at {tmp_path / 'nope'}" in result.stderr
    assert "pip install -e '.[gpu]'" in result.stderr
    assert "ENV READY" not in result.stdout


def test_gpu_check_writes_info_tests_and_bench_into_one_file(tmp_path: Path) -> None:
    """slurm/test-gpu.sbatch run as a plain script (no Slurm, no GPU): the one file to send
    back holds the verdict, `info`, the GPU tests' counts and skip reasons, and the bench."""
    out = tmp_path / "out"
    env = _job_env(ESPRI_GPU_REPO=str(ROOT), OUT=str(out), BENCH_SIZE="tiny",
                   BENCH_ONLY=_bench_only())
    for name in [n for n in env if n.startswith("SLURM_")]:
        del env[name]
    result = subprocess.run(["bash", str(SLURM / "test-gpu.sbatch"), "tests/gpu"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    verdict = (out / "test-gpu-verdict.txt").read_text(encoding="utf-8")
    lines = verdict.splitlines()
    assert lines[0].startswith("espri_gpu GPU check: job none on node "), verdict
    gpu = _gpu_usable()
    assert re.match(r"VERIFIED: " if gpu else r"NOT VERIFIED: zero GPU tests ran", lines[1])
    assert result.returncode == (0 if gpu else 1), result.stdout + result.stderr
    sections = [line for line in lines if line.startswith("== ")]
    assert [s.split(":")[0].split(" (")[0] for s in sections] == [
        "== python -m espri_gpu info", "== pytest -m gpu",
        "== python -m espri_gpu bench --backend all --size tiny"], sections
    assert "backend auto -> " in verdict
    if not gpu:
        assert re.search(r"^SKIPPED .*no usable GPU: ", verdict, re.M), verdict
    bench = verdict.split("== python -m espri_gpu bench")[1]
    assert "(exit 0;" in bench.splitlines()[0]
    assert re.search(rf"^{re.escape(_bench_only())}\s+tiny\s", bench, re.M), bench
    assert json.loads((out / "bench.json").read_text())["results"]
    assert str(tmp_path) not in verdict  # no paths: they may hold a user name
    assert lines[-2:] == [
        f"exit status {result.returncode}",
        'Send this file as it is to the espri_gpu issue tracker (a new issue titled "GPU '
        'check on HAL"): it holds no survey data.']


def _gpu_usable() -> bool:
    from espri_gpu.backend import probe_gpu

    return probe_gpu().usable


def _hal_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## On HAL\n(.*?)(?=^## )", readme, re.S | re.M)
    assert match, "README.md has no '## On HAL' section"
    return match.group(1)


def _uncommented(line: str) -> str:
    """A script line without the comment marker of the usage lines in script headers."""
    return line.strip().lstrip("#").strip()


def test_readme_on_hal_matches_the_scripts() -> None:
    section = _hal_section()
    for name in [*(f"slurm/{s}" for s in USER_SCRIPTS), "modules.txt"]:
        assert f"`{name}`" in section, name
    script_lines = {_uncommented(line)
                    for path in [*SCRIPTS, ROOT / "modules.txt"]
                    for line in path.read_text(encoding="utf-8").splitlines()}
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(blocks) >= 3, "On HAL: set-up, interactive and batch blocks expected"
    shown = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    missing = [line for line in shown if line not in script_lines]
    assert not missing, f"README 'On HAL' lines found in no script or modules.txt: {missing}"


def test_ci_sets_up_slurm_before_the_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    setup = [i for i, line in enumerate(ci) if line.startswith("bash .ci/slurm-setup.sh")]
    tests = [i for i, line in enumerate(ci) if "python -m pytest" in line
             and not line.startswith("#")]
    assert setup and tests and setup[0] < tests[0]


# --- on a real Slurm cluster ----------------------------------------------------------


def _slurm_unavailable() -> str | None:
    """Why the Slurm tests cannot run here, or None."""
    root = "" if os.geteuid() == 0 else (
        f"; not root (uid {os.geteuid()}), so .ci/slurm-setup.sh cannot start one")
    missing = [c for c in ("sinfo", "sbatch", "srun", "scontrol") if shutil.which(c) is None]
    if missing:
        return f"Slurm commands not installed ({', '.join(missing)}){root}"
    try:
        nodes = subprocess.run(["sinfo", "-h", "-o", "%T %G"], capture_output=True,
                               text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return f"sinfo did not answer in 20 s{root}"
    if nodes.returncode != 0:
        return f"sinfo failed: {nodes.stderr.strip() or nodes.returncode}{root}"
    states = [line.split() for line in nodes.stdout.splitlines() if line.strip()]
    if not any(s[0] == "idle" and len(s) > 1 and "gpu" in s[1] for s in states):
        return f"no idle node with a gpu gres (sinfo: {nodes.stdout.strip() or 'none'})"
    config = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True,
                            timeout=20)
    cluster = re.search(r"^ClusterName\s*=\s*(\S+)", config.stdout, re.M)
    name = cluster.group(1) if cluster else "?"
    if name != CI_CLUSTER and os.environ.get("ESPRI_GPU_SLURM_TESTS") != "1":
        return (f"cluster {name!r} is not the CI test cluster {CI_CLUSTER!r}: "
                "set ESPRI_GPU_SLURM_TESTS=1 to submit the test jobs to it")
    return None


@pytest.fixture(scope="module")
def slurm() -> None:
    reason = _slurm_unavailable()
    if reason:
        pytest.skip(f"no usable Slurm cluster: {reason} (as root, "
                    "`bash .ci/slurm-setup.sh` starts a single-node one)")


def _sbatch(script: str, job_dir: Path, *args: str, cwd: Path | None = None,
            **variables: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`sbatch --wait` a script of slurm/; returns the result and the job id."""
    export = ",".join(["ALL", f"ESPRI_GPU_VENV={_job_env()['ESPRI_GPU_VENV']}",
                       *(f"{k}={v}" for k, v in variables.items())])
    path = f"slurm/{script}" if cwd == ROOT else str(SLURM / script)
    result = subprocess.run(["sbatch", "--wait", f"--chdir={job_dir}", f"--export={export}",
                             path, *args], cwd=cwd or job_dir, env=_job_env(),
                            capture_output=True, text=True, timeout=JOB_TIMEOUT)
    job = re.search(r"Submitted batch job (\d+)", result.stdout)
    assert job, f"sbatch did not submit {script}: {result.stdout}{result.stderr}"
    return result, job.group(1)


def _logs(job_dir: Path, script: str, job: str) -> tuple[str, str]:
    stem = f"espri_gpu-{Path(script).stem}-{job}"
    return ((job_dir / f"{stem}.out").read_text(encoding="utf-8"),
            (job_dir / f"{stem}.err").read_text(encoding="utf-8"))


def _assert_logged_info(out: str, job: str) -> None:
    assert re.search(rf"^espri_gpu: job {job} on node \S+, GPUs ", out, re.M), out
    assert "backend auto -> " in out, out  # `python -m espri_gpu info`


def _fast_report_options() -> list[str]:
    """Report options that keep the job to seconds (no tests, no groups: the statistics have
    their own tests), where the command line has them."""
    from espri_gpu.cli import parse_args

    known = vars(parse_args(["report"]))
    fast = {"pairs": "--pairs=", "groups": "--groups=", "resamples": "--resamples=99"}
    return [option for name, option in fast.items() if name in known]


def _bench_only() -> str:
    from espri_gpu.workloads import WORKLOADS

    return next(iter(WORKLOADS))


# The batch jobs, submitted together (the node runs two at once: it has two "GPUs").
# Each takes the job directory and returns (sbatch's result, job id).
BATCH_JOBS: dict[str, Callable[[Path], tuple[subprocess.CompletedProcess[str], str]]] = {
    # Submitted from the repository by its relative path; inputs as arguments, then
    # report options; no OUT: the default espri_gpu_out/JOBID of the job directory.
    "report": lambda d: _sbatch(
        "report.sbatch", d, str(_example("responses.csv")), str(_example("codebook.toml")),
        *_fast_report_options(), cwd=ROOT, BACKEND="cpu",
        INTERPRETATIONS=str(_example("interpretations.csv"))),
    # Inputs as variables; a missing responses file.
    "failing": lambda d: _sbatch(
        "report.sbatch", d, RESPONSES="missing.csv", CODEBOOK=str(_example("codebook.toml")),
        BACKEND="cpu", OUT=str(d / "out")),
    "bench": lambda d: _sbatch(
        "bench.sbatch", d, "--only", _bench_only(), BACKEND="cpu", SIZE="tiny", REPEAT="1",
        OUT=str(d / "bench")),
    "test-gpu": lambda d: _sbatch("test-gpu.sbatch", d, BENCH_SIZE="tiny",
                                  BENCH_ONLY=_bench_only()),
}


@pytest.fixture(scope="module")
def jobs(slurm: None, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[dict[str, tuple[Future[Any], Path]]]:
    with ThreadPoolExecutor(max_workers=len(BATCH_JOBS)) as pool:
        submitted = {}
        for name, submit in BATCH_JOBS.items():
            job_dir = tmp_path_factory.mktemp(f"slurm-{name}")
            submitted[name] = (pool.submit(submit, job_dir), job_dir)
        yield submitted


def _job(jobs: dict[str, tuple[Future[Any], Path]],
         name: str) -> tuple[subprocess.CompletedProcess[str], str, Path]:
    future, job_dir = jobs[name]
    result, job = future.result(timeout=JOB_TIMEOUT + 30)
    return result, job, job_dir


def test_report_job_on_the_cpu(jobs: dict[str, tuple[Future[Any], Path]]) -> None:
    result, job, job_dir = _job(jobs, "report")
    out, err = _logs(job_dir, "report.sbatch", job)
    assert result.returncode == 0, out + err
    _assert_logged_info(out, job)
    summary = json.loads((job_dir / "espri_gpu_out" / job / "summary.json").read_text())
    assert summary["backend"] == "cpu"
    assert summary["respondents"] == 62


def test_failing_report_job_fails_sbatch(jobs: dict[str, tuple[Future[Any], Path]]) -> None:
    result, job, job_dir = _job(jobs, "failing")
    out, err = _logs(job_dir, "report.sbatch", job)
    assert result.returncode == 2, out + err  # the CLI's user-error code, through Slurm
    assert "espri_gpu: error:" in err and "missing.csv" in err, err
    assert not (job_dir / "out" / "summary.json").exists()


def test_bench_job_writes_json(jobs: dict[str, tuple[Future[Any], Path]]) -> None:
    result, job, job_dir = _job(jobs, "bench")
    out, err = _logs(job_dir, "bench.sbatch", job)
    assert result.returncode == 0, out + err
    _assert_logged_info(out, job)
    bench = json.loads((job_dir / "bench" / "bench.json").read_text())
    assert [r["workload"] for r in bench["results"]] == [_bench_only()]
    assert all(set(r["espri_s"]) == {"cpu"} for r in bench["results"])


def test_test_gpu_job_writes_a_verdict(jobs: dict[str, tuple[Future[Any], Path]]) -> None:
    result, job, job_dir = _job(jobs, "test-gpu")
    out, err = _logs(job_dir, "test-gpu.sbatch", job)
    _assert_logged_info(out, job)
    verdict = (job_dir / "espri_gpu_out" / job / "test-gpu-verdict.txt").read_text()
    assert "backend auto -> " in verdict and "pytest -m gpu: " in verdict, verdict
    assert f"exit status {result.returncode}" in verdict, verdict
    assert "== python -m espri_gpu bench --backend all --size tiny (exit 0;" in verdict, verdict
    if result.returncode == 0:
        assert "\nVERIFIED: " in verdict, verdict
    else:  # no GPU in CI: the verdict must say that nothing was verified
        assert re.search(r"^(NOT VERIFIED|FAILED): ", verdict, re.M), verdict


@pytest.mark.usefixtures("slurm")
def test_srun_one_gpu_info(tmp_path: Path) -> None:
    result = subprocess.run(["srun", "--gres=gpu:1", "python", "-m", "espri_gpu", "info"],
                            cwd=tmp_path, env=_job_env(), capture_output=True, text=True,
                            timeout=JOB_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "backend auto -> " in result.stdout


@pytest.mark.usefixtures("slurm")
def test_interactive_shell_on_one_gpu(tmp_path: Path) -> None:
    if shutil.which("script") is None:
        pytest.skip("`script` (util-linux) not installed: no pseudo-terminal for srun --pty")
    # `script` gives srun --pty a terminal; the shell's commands come from stdin.
    result = subprocess.run(
        ["script", "-qec", f"bash {SLURM / 'interactive.sh'} --time=00:05:00", "/dev/null"],
        input='echo "INSIDE job=$SLURM_JOB_ID gpus=$CUDA_VISIBLE_DEVICES"; exit 0\n',
        cwd=tmp_path, env=_job_env(), capture_output=True, text=True, timeout=JOB_TIMEOUT)
    output = result.stdout.replace("\r", "")
    assert result.returncode == 0, output + result.stderr
    assert "backend auto -> " in output, output
    assert re.search(r"INSIDE job=\d+ gpus=", output), output  # not the echoed command
