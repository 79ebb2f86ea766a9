"""Script commands -> kernel paths. Each handler checks everything first (raising
ScriptError before any change), then returns the generator that does the work."""
from __future__ import annotations

import re
from typing import Callable

from engine.kernel.base import ROOT, Kernel, Steps
from engine.kernel.drain import drain_local_stock
from engine.kernel.lifecycle import cgroup_mkdir, cgroup_rmdir
from engine.kernel.kmem_v1 import (
    mem_cgroup_hierarchy_write, mem_cgroup_resize_max, mem_cgroup_write, memcg_update_kmem_max,
)
from engine.kernel.memcg import GFP_MASKS, memory_max_write
from engine.kernel.pages import LARGEST_ORDER, alloc_pages, free_pages
from engine.kernel.objcg import obj_cgroup_uncharge
from engine.kernel.refs import css_get, css_put, obj_cgroup_get, obj_cgroup_put
from engine.kernel import slab_post
from engine.kernel.slab import charge, forget_null, slab_alloc, slab_free
from engine.kernel.hotplug import cpu_down, cpu_up
from engine.kernel.v58 import slab_alloc_v58, slab_free_v58
from engine.kernel.task_objcg import task_exits, task_moved
from engine.kernel.work import pending, run_item
from engine.kernel.versions import charge_batch, choose_kernel
from engine.model import Record
from engine.script import (
    EINVAL, Command, Limit, ScriptError, check_alloc_size, kstrtoull, normalize_path,
    page_counter_max, page_counter_memparse, parse_bytes, parse_int, short_word,
)

Handler = Callable[[Kernel, Command], Steps]
HANDLERS: dict[str, Handler] = {}

PAGE_SIZES = (4096, 16384, 65536)


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn
    return register


def prepare(k: Kernel, cmd: Command) -> Steps:
    """Check a command against the current state; return its work. Raises ScriptError."""
    k.current_cpu = 0
    work = HANDLERS[cmd.name](k, cmd)
    if not k.st.sys["started"]:  # config too: a second config line is an error
        k.st.set(k.st.sys, "started", True)
    return work


# -- lookups that turn names into records, or a clear error ----------------------------
def live_memcg(k: Kernel, word: str) -> str:
    path = normalize_path(word)
    if path == ROOT:
        return ROOT
    rec = k.st.paths.get(path)
    if rec is None:
        raise ScriptError(f"no cgroup {path} (mkdir it first)")
    return rec["memcg"]


def need_task(k: Kernel, name: str) -> Record:
    task = k.st.tasks.get(name)
    if task is None:
        raise ScriptError(f"no task '{name}' (create it with 'task {name} PATH')")
    return task


def need_cpu(k: Kernel, cmd: Command) -> int:
    cpu = cmd.cpu
    assert cpu is not None  # the grammar requires cpu= wherever this is called
    if not 0 <= cpu < k.nr_cpus:
        raise ScriptError(f"cpu={cpu} does not exist (this machine has cpu0..cpu{k.nr_cpus - 1})")
    if not k.cpu(cpu)["online"]:
        raise ScriptError(f"cpu{cpu} is offline (cpu_up {cpu} first)")
    return cpu


def need_objcg(k: Kernel, word: str) -> str:
    if k.v58:
        raise ScriptError("kernel 5.8 has no obj_cgroup: charge, uncharge, get and put "
                          "need kernel=5.9")
    name = word if word.startswith("/") else "/" + word
    rec = k.st.objcgs.get(name.rstrip("/") or "/")
    if rec is None:
        if name == ROOT:
            raise ScriptError("the root memcg has no objcg in v5.9")
        raise ScriptError(f"no objcg '{word}' (objcgs are named after their memcg, e.g. /A or /A#2)")
    if rec["state"] == "released":
        raise ScriptError(f"objcg {rec['name']} was released; using it would be a use-after-free")
    return rec["name"]


def parse_order(word: str) -> int:
    if not re.fullmatch(r"[0-9]{1,2}", word) or int(word) > LARGEST_ORDER:
        raise ScriptError(f"ORDER '{word}' must be a whole number from 0 to {LARGEST_ORDER} "
                          "(2^ORDER pages)")
    return int(word)


def need_gfp(cmd: Command) -> str:
    gfp = cmd.opts.get("gfp", "GFP_KERNEL")
    if gfp not in GFP_MASKS:
        raise ScriptError(f"unknown gfp '{gfp}' (one of {', '.join(GFP_MASKS)})")
    return gfp


EEXIST = -17


def _exists(path: str) -> Steps:
    yield ("cgroup_mkdir.exists", path)
    return EEXIST


# -- the commands --------------------------------------------------------------------
@handler("config")
def _config(k: Kernel, cmd: Command) -> Steps:
    if k.st.sys["started"]:
        raise ScriptError("config must come before every other command, and only once")
    o = cmd.opts
    cpus = parse_int(o.get("cpus", str(k.nr_cpus)), "cpus")
    if not 1 <= cpus <= 64:
        raise ScriptError(f"cpus={cpus}: between 1 and 64 CPUs are supported")
    page_size = parse_int(o.get("page_size", str(k.page_size)), "page_size")
    if page_size not in PAGE_SIZES:
        raise ScriptError(f"page_size={page_size}: one of {', '.join(map(str, PAGE_SIZES))}")
    cgroup = o.get("cgroup", "v2")
    if cgroup not in ("v1", "v2"):
        raise ScriptError(f"cgroup={cgroup}: 'v2' (the unified hierarchy) or 'v1' (legacy, with the kmem counter)")
    try:
        kernel = choose_kernel(k.st.sys, o.get("kernel"), k.notes)
    except ValueError as err:
        raise ScriptError(str(err)) from None
    if kernel == "5.8" and cgroup == "v1":
        raise ScriptError("kernel=5.8 is modelled with cgroup v2 only (config cgroup=v2 kernel=5.8)")
    work = o.get("work", "auto")
    if work not in ("auto", "manual"):
        raise ScriptError(f"work={work}: 'auto' (queued work runs as on an idle machine) or "
                          "'manual' (it waits for run_work and rcu_sync)")
    if "work" in o:
        _seen(k, "work_seen")
    k.st.set(k.st.sys, "work_mode", work)
    accounting = o.get("accounting", "bytes")
    if accounting not in ("bytes", "slab"):
        raise ScriptError(f"accounting={accounting}: 'bytes' (an object charges SIZE) or "
                          "'slab' (it charges obj_full_size = SIZE rounded up to 8, + 8)")
    mkdir_charge = parse_mkdir_charge(o.get("mkdir_charge", "0"), page_size)
    k.st.set(k.st.sys, "mkdir_charge", mkdir_charge)
    return _configure(k, cpus, page_size, accounting, cgroup, kernel)


def parse_mkdir_charge(word: str, page_size: int) -> tuple[int, ...]:
    """mkdir_charge=BYTES[,BYTES...]: what each per-CPU allocation of a new memcg charges
    its parent (size x possible CPUs), in allocation order; 0 is none (the default)."""
    sizes = tuple(parse_bytes(part, "mkdir_charge", allow_zero=True) for part in word.split(","))
    if sizes == (0,):
        return ()
    for size in sizes:
        if size == 0:
            raise ScriptError("mkdir_charge: each allocation charges at least 1 byte (0 alone means none)")
        check_alloc_size(size, "mkdir_charge:", page_size)
    return sizes


def _configure(k: Kernel, cpus: int, page_size: int, accounting: str, cgroup: str,
               kernel: str) -> Steps:
    set_cpus(k, cpus)
    k.st.set(k.st.sys, "page_size", page_size)
    k.st.set(k.st.sys, "accounting", accounting)
    k.st.set(k.st.sys, "cgroup", cgroup)
    k.st.set(k.st.sys, "kernel", kernel)
    k.st.set(k.st.sys, "charge_batch", charge_batch(kernel, k.st.sys["revert"]))
    k.read_config()
    # mem_cgroup_bind(): use_hierarchy is forced on the default hierarchy (v2); a v1
    # root starts without it, until v5.11 makes every memcg hierarchical.
    k.st.set(k.memcgs[ROOT], "use_hierarchy", cgroup == "v2" or k.has("hierarchy_always"))
    yield ("config.set", cpus, page_size, cgroup, kernel, accounting)
    return 0


def set_cpus(k: Kernel, cpus: int) -> None:
    """Create or remove empty per-CPU stocks so that there are exactly `cpus`."""
    st = k.st
    for n in range(cpus, k.nr_cpus):
        st.drop("cpus", f"cpu{n}")
    for n in range(k.nr_cpus, cpus):
        st.new("cpus", f"cpu{n}", {
            "kind": "cpu", "name": f"cpu{n}", "cpu": n, "cached": None, "nr_pages": 0,
            "cached_objcg": None, "nr_bytes": 0, "flushing": False,
            "online": True, "dropping": None,  # dropping: engine.kernel.objstock
        })
    st.set(st.sys, "cpus", cpus)
    k.read_config()


@handler("mkdir")
def _mkdir(k: Kernel, cmd: Command) -> Steps:
    path = normalize_path(cmd.args[0])
    if path == ROOT or path in k.st.paths:
        return _exists(path)
    parent_path = path.rsplit("/", 1)[0] or ROOT
    parent = live_memcg(k, parent_path)
    return cgroup_mkdir(k, path, parent)


@handler("rmdir")
def _rmdir(k: Kernel, cmd: Command) -> Steps:
    memcg = live_memcg(k, cmd.args[0])
    if "cpu" in cmd.opts:
        k.current_cpu = need_cpu(k, cmd)
    return cgroup_rmdir(k, memcg)


def attach(k: Kernel, task: Record, memcg: str) -> None:
    """The task joins memcg's css_set; the first task makes the css_set pin the css."""
    st = k.st
    rec = k.memcgs[memcg]
    st.add(rec, "nr_tasks", 1)
    if rec["nr_tasks"] == 1:
        css_get(k, memcg, "css_set")
    st.set(task, "memcg", memcg)


def detach(k: Kernel, task: Record) -> None:
    st = k.st
    memcg = task["memcg"]
    rec = k.memcgs[memcg]
    st.add(rec, "nr_tasks", -1)
    if rec["nr_tasks"] == 0:
        css_put(k, memcg, "css_set")


def _new_task(k: Kernel, name: str, memcg: str, mm: bool, step: tuple) -> Steps:  # type: ignore[type-arg]
    task = k.st.new("tasks", name, {"kind": "task", "name": name, "memcg": None,
                                     "mm": mm, "active_memcg": None,
                                     # v6.7: current->objcg, set at the first allocation
                                     "objcg": None, "objcg_update": True})
    attach(k, task, memcg)
    yield step
    return 0


def unused_task_name(k: Kernel, name: str) -> str:
    if name in k.st.tasks:
        raise ScriptError(f"task '{name}' already exists")
    return name


@handler("task")
def _task(k: Kernel, cmd: Command) -> Steps:
    name = unused_task_name(k, cmd.args[0])
    memcg = live_memcg(k, cmd.args[1])
    return _new_task(k, name, memcg, True, ("task.new", name, memcg))


@handler("kthread")
def _kthread(k: Kernel, cmd: Command) -> Steps:
    name = unused_task_name(k, cmd.args[0])
    return _new_task(k, name, ROOT, False, ("kthread.new", name))


@handler("move")
def _move(k: Kernel, cmd: Command) -> Steps:
    task = need_task(k, cmd.args[0])
    memcg = live_memcg(k, cmd.args[1])
    return _moved(k, task, memcg)


def _moved(k: Kernel, task: Record, memcg: str) -> Steps:
    old = task["memcg"]
    if old != memcg:
        detach(k, task)
        attach(k, task, memcg)
    if k.has("task_objcg") and old != memcg:
        task_moved(k, task)
        yield ("move.moved_objcg", task["name"], old, memcg, task["objcg"])
        return 0
    yield ("move.moved", task["name"], old, memcg)
    return 0


@handler("exit")
def _exit(k: Kernel, cmd: Command) -> Steps:
    task = need_task(k, cmd.args[0])
    return _exited(k, task)


def _exited(k: Kernel, task: Record) -> Steps:
    if k.has("task_objcg"):
        yield from task_exits(k, task)  # mem_cgroup_exit(): the task's objcg reference
    detach(k, task)
    k.st.drop("tasks", task["name"])
    yield ("exit.exited", task["name"], task["memcg"])
    return 0


@handler("use_memcg")
def _use_memcg(k: Kernel, cmd: Command) -> Steps:
    task = need_task(k, cmd.args[0])
    memcg = None if cmd.args[1] == "none" else live_memcg(k, cmd.args[1])
    return _use(k, task, memcg)


def _use(k: Kernel, task: Record, memcg: str | None) -> Steps:
    k.st.set(task, "active_memcg", memcg)
    yield ("use_memcg.set", task["name"], memcg)
    return 0


@handler("alloc")
def _alloc(k: Kernel, cmd: Command) -> Steps:
    obj, size = cmd.args[0], cmd.size
    if obj in k.st.objects:
        raise ScriptError(f"object '{obj}' already exists (free it first or pick another name)")
    task = need_task(k, cmd.opts["task"])
    active = task["active_memcg"]
    if active is not None and k.memcgs[active]["state"] == "freed":
        raise ScriptError(
            f"task {task['name']}'s active_memcg {active} has been freed: a use-after-free "
            "in the kernel (real remote chargers hold a css reference: 'hold PATH')")
    check_alloc_size(size, "alloc: size", k.page_size)
    k.current_cpu = need_cpu(k, cmd)
    gfp = need_gfp(cmd)
    if k.v1:  # v2 counters always have a parent below the root
        _refuse_oopsing_walk(k, task)
    forget_null(k, obj)
    # v5.8's kmem_cache_alloc is its own kernel path, at the top of the trail
    if k.has("slab_charge_post_alloc"):  # v6.10: allocated first, charged after
        return slab_post.slab_alloc(k, obj, size, task, gfp)
    return (slab_alloc_v58 if k.v58 else slab_alloc)(k, obj, size, task, gfp)


def _refuse_oopsing_walk(k: Kernel, task: Record) -> None:
    """get_obj_cgroup_from_current() walks up with parent_mem_cgroup() past memcgs with
    no objcg; in v1 without use_hierarchy that is NULL below the root, and v5.9 would
    dereference it. Only reachable by remote charging into a dying memcg."""
    if not task["mm"] and task["active_memcg"] is None:
        return
    memcg: str | None = task["active_memcg"] or task["memcg"]
    while memcg is not None and memcg != ROOT:
        if k.memcgs[memcg]["objcg"] is not None:
            return
        memcg = k.parent_mem_cgroup(memcg)
    if memcg is None:
        raise ScriptError(
            f"task {task['name']} charges remotely into a dying memcg without use_hierarchy: "
            "v5.9's get_obj_cgroup_from_current would dereference parent_mem_cgroup() = NULL "
            "(a kernel oops; the page path, alloc_pages, charges the dying memcg itself)")


@handler("alloc_pages")
def _alloc_pages(k: Kernel, cmd: Command) -> Steps:
    obj = cmd.args[0]
    if obj in k.st.objects:
        raise ScriptError(f"object '{obj}' already exists (free it first or pick another name)")
    order = parse_order(cmd.args[1])
    task = need_task(k, cmd.opts["task"])
    _need_live_active_memcg(task, k)
    k.current_cpu = need_cpu(k, cmd)
    gfp = need_gfp(cmd)
    if not k.st.sys["pages_seen"]:
        k.st.set(k.st.sys, "pages_seen", True)  # objects now show their kind in the JSON
    forget_null(k, obj)
    return alloc_pages(k, obj, order, task, gfp)


def _need_live_active_memcg(task: Record, k: Kernel) -> None:
    active = task["active_memcg"]
    if active is not None and k.memcgs[active]["state"] == "freed":
        raise ScriptError(
            f"task {task['name']}'s active_memcg {active} has been freed: a use-after-free "
            "in the kernel (real remote chargers hold a css reference: 'hold PATH')")


@handler("free")
def _free(k: Kernel, cmd: Command) -> Steps:
    obj = cmd.args[0]
    if obj not in k.st.objects:
        if obj in k.st.sys["null_objects"]:
            k.current_cpu = need_cpu(k, cmd)
            return _kfree_null(obj)
        raise ScriptError(f"no live object '{obj}' (never allocated, or already freed)")
    k.current_cpu = need_cpu(k, cmd)
    if k.st.objects[obj].get("type") == "pages":
        return free_pages(k, obj)
    return (slab_free_v58 if k.v58 else slab_free)(k, obj)


def _kfree_null(obj: str) -> Steps:
    yield ("free.null", obj)  # the allocation returned NULL: kfree(NULL) does nothing
    return 0


V2_FILES = ("memory.max",)
V1_FILES = ("memory.limit_in_bytes", "memory.kmem.limit_in_bytes", "memory.use_hierarchy")


@handler("write")
def _write(k: Kernel, cmd: Command) -> Steps:
    memcg = live_memcg(k, cmd.args[0])
    file, value = cmd.args[1], cmd.args[2]
    if file not in V2_FILES + V1_FILES:
        raise ScriptError(f"write: '{file}' is not modelled (cgroup v2: memory.max; "
                          f"cgroup v1: {', '.join(V1_FILES)})")
    if k.v1 and file in V2_FILES:
        raise ScriptError(f"{file} is a cgroup v2 file; this machine runs cgroup v1 "
                          "(use memory.limit_in_bytes)")
    if not k.v1 and file in V1_FILES:
        raise ScriptError(f"{file} is a cgroup v1 file; this machine runs cgroup v2 "
                          "('config cgroup=v1' first, or use memory.max)")
    if "cpu" in cmd.opts:
        k.current_cpu = need_cpu(k, cmd)
    if file == "memory.use_hierarchy":
        err, value_u64 = kstrtoull(value)
        if err:  # cgroup_file_write: kstrtoull(buf, 0) refuses before the handler runs
            return _refused(err, f"{file}: kstrtoull('{short_word(value)}', 0) reads no unsigned number "
                                 "(decimal, 0x hex or 0 octal)" if err == EINVAL else
                            f"{file}: '{short_word(value)}' does not fit in 64 bits")
        return mem_cgroup_hierarchy_write(k, memcg, value_u64)
    if file != "memory.max":
        return _write_v1_limit(k, memcg, file, value)
    if memcg == ROOT:
        raise ScriptError("the root cgroup has no memory.max")
    limit = page_counter_memparse(value, "max", k.page_size)
    if limit.err:
        return _refused(limit.err, _not_a_size(file, value, "max"))
    _note_limit(k, file, value, limit, "max", "which reads back as 'max'")
    return memory_max_write(k, memcg, limit.pages)


def _write_v1_limit(k: Kernel, memcg: str, file: str, value: str) -> Steps:
    """mem_cgroup_write(): page_counter_memparse(buf, "-1"), root refused, then the
    memory or the kmem counter's limit."""
    limit = page_counter_memparse(value, "-1", k.page_size)
    if limit.err:
        return _refused(limit.err, _not_a_size(file, value, "-1"))
    if memcg == ROOT:
        return _refused(EINVAL, f"{file}: the root cgroup's limit cannot be set (mem_cgroup_write)")
    _note_limit(k, file, value, limit, "-1", "which means no limit")
    if file == "memory.limit_in_bytes":
        return mem_cgroup_resize_max(k, memcg, limit.pages)
    if k.has("kmem_limit_gone"):  # v5.16: no kmem limit to set
        return mem_cgroup_write(k, memcg)
    return memcg_update_kmem_max(k, memcg, limit.pages)


def _note_limit(k: Kernel, file: str, value: str, limit: Limit, unlimited: str, means: str) -> None:
    """Say what the kernel does silently: a wrapped number, a limit clamped to no limit."""
    value = short_word(value)
    if limit.wrapped:
        k.notes.append(f"{file} {value}: more than 2^64 - 1 bytes; memparse wraps it around "
                       f"silently, to {limit.pages if limit.pages is not None else 'no limit'}"
                       + (" pages" if limit.pages is not None else ""))
    elif limit.pages is None and value != unlimited:
        k.notes.append(f"{file} {value}: page_counter_memparse clamps it to PAGE_COUNTER_MAX "
                       f"({page_counter_max(k.page_size)} pages), {means}")


def _not_a_size(file: str, value: str, unlimited: str) -> str:
    return (f"{file}: page_counter_memparse('{short_word(value)}') leaves characters unread: a size is "
            f"decimal, 0x hex or 0 octal bytes with an optional K, M, G, T, P or E; "
            f"'{unlimited}' is no limit")


def _refused(errno: int, note: str) -> Steps:
    """A write the kernel refuses with an errno: a result, nothing changes."""
    yield ("write.einval" if errno == EINVAL else "write.erange", note)
    return errno


@handler("hold")
def _hold(k: Kernel, cmd: Command) -> Steps:
    memcg = live_memcg(k, cmd.args[0])
    if memcg == ROOT:
        raise ScriptError("the root css is not reference counted (CSS_NO_REF)")
    return _held(k, memcg)


def _held(k: Kernel, memcg: str) -> Steps:
    css_get(k, memcg, "hold")
    yield ("hold.get", memcg, k.memcgs[memcg]["refcnt"])
    return 0


@handler("unhold")
def _unhold(k: Kernel, cmd: Command) -> Steps:
    word = cmd.args[0]
    if "#" in word:
        name = word if word.startswith("/") else "/" + word
        if name not in k.st.memcgs:
            raise ScriptError(f"no memcg '{name}'")
        candidates = [name]
    else:
        path = normalize_path(word)
        gens = k.st.tables["gens"].get(path)
        count = gens["count"] if gens else 0
        candidates = [path if n == 1 else f"{path}#{n}" for n in range(count, 0, -1)]
    for name in candidates:
        if k.memcgs[name]["holders"].get("hold"):
            return _unheld(k, name)
    raise ScriptError(f"no external hold on {word} to drop (take one with 'hold PATH')")


def _unheld(k: Kernel, memcg: str) -> Steps:
    css_put(k, memcg, "hold")
    yield ("unhold.put", memcg, k.memcgs[memcg]["refcnt"])
    return 0


@handler("drain")
def _drain(k: Kernel, cmd: Command) -> Steps:
    k.current_cpu = need_cpu(k, cmd)
    return drain_local_stock(k, k.current_cpu)


@handler("charge")
def _charge(k: Kernel, cmd: Command) -> Steps:
    objcg = need_objcg(k, cmd.args[0])
    check_alloc_size(cmd.size, "charge: size", k.page_size)
    k.current_cpu = need_cpu(k, cmd)
    return charge(k)(k, objcg, need_gfp(cmd), cmd.size)  # the release's obj_cgroup_charge


@handler("uncharge")
def _uncharge(k: Kernel, cmd: Command) -> Steps:
    objcg = need_objcg(k, cmd.args[0])
    check_alloc_size(cmd.size, "uncharge: size", k.page_size)
    k.current_cpu = need_cpu(k, cmd)
    if k.has("refill_obj_stock_allow_uncharge"):
        return _uncharged(k, objcg, cmd.size)
    return obj_cgroup_uncharge(k, objcg, cmd.size)


def _uncharged(k: Kernel, objcg: str, size: int) -> Steps:
    """From v5.14 obj_cgroup_uncharge may end in obj_cgroup_uncharge_pages, whose css_put
    comes after its last step: the command shows where it returns."""
    ret = yield from obj_cgroup_uncharge(k, objcg, size)
    yield ("uncharge.done", objcg, k.objcgs[objcg]["refcnt"])
    return ret


@handler("get")
def _get(k: Kernel, cmd: Command) -> Steps:
    return _got(k, need_objcg(k, cmd.args[0]))


def _got(k: Kernel, objcg: str) -> Steps:
    obj_cgroup_get(k, objcg, "get")
    yield ("get.get", objcg, k.objcgs[objcg]["refcnt"])
    return 0


@handler("put")
def _put(k: Kernel, cmd: Command) -> Steps:
    objcg = need_objcg(k, cmd.args[0])
    if not k.objcgs[objcg]["holders"].get("get"):
        raise ScriptError(f"put {objcg} without a matching 'get {objcg}'")
    return obj_cgroup_put(k, objcg, "get")


# -- deferred work and CPU hotplug (engine.kernel.work, engine.kernel.hotplug) -------------
def _seen(k: Kernel, flag: str) -> None:
    """The JSON state shows the queue (or each CPU's `online`) once a script uses them,
    so the document of every other script stays byte for byte what it was."""
    if not k.st.sys.get(flag):
        k.st.set(k.st.sys, flag, True)


@handler("run_work")
def _run_work(k: Kernel, cmd: Command) -> Steps:
    cpu = need_cpu(k, cmd) if "cpu" in cmd.opts else None
    _seen(k, "work_seen")
    return run_work(k, cpu)


def run_work(k: Kernel, cpu: int | None) -> Steps:
    """The kworker of one CPU (or of each) runs the work queued on it, in queue order,
    and what that work queues there, until none is left; RCU callbacks wait for
    rcu_sync."""
    ran = False
    while True:
        item = next((i for i in pending(k) if i[1] == "work" and (cpu is None or i[2] == cpu)),
                    None)
        if item is None:
            break
        ran = True
        yield from run_item(k, item)
    if not ran:
        yield ("run_work.none", "" if cpu is None else f" on cpu{cpu}")
    return 0


@handler("rcu_sync")
def _rcu_sync(k: Kernel, cmd: Command) -> Steps:
    _seen(k, "work_seen")
    return rcu_sync(k)


def rcu_sync(k: Kernel) -> Steps:
    """synchronize_rcu(): a grace period ends; the callbacks queued before it run, in
    order (those they queue wait for the next one)."""
    due = [i for i in pending(k) if i[1] == "rcu"]
    if not due:
        yield ("rcu_sync.none",)
        return 0
    yield ("rcu_sync.start", len(due))
    for item in due:
        yield from run_item(k, item)
    return 0


def _hotplug_cpu(k: Kernel, cmd: Command) -> int:
    cpu = parse_int(cmd.args[0], cmd.name)
    if not 0 <= cpu < k.nr_cpus:
        raise ScriptError(f"{cmd.name} {cpu}: this machine has cpu0..cpu{k.nr_cpus - 1}")
    return cpu


@handler("cpu_down")
def _cpu_down(k: Kernel, cmd: Command) -> Steps:
    cpu = _hotplug_cpu(k, cmd)
    if not k.cpu(cpu)["online"]:
        raise ScriptError(f"cpu_down {cpu}: cpu{cpu} is already offline")
    survivors = [n for n in range(k.nr_cpus) if n != cpu and k.cpu(n)["online"]]
    if not survivors:
        raise ScriptError(f"cpu_down {cpu}: it is the last online CPU")
    if any(i[2] == cpu for i in pending(k)):
        raise ScriptError(f"cpu_down {cpu}: work is queued on cpu{cpu} (run_work cpu={cpu} "
                          "and rcu_sync first)")
    _seen(k, "hotplug_seen")
    k.current_cpu = survivors[0]  # the teardown callback runs on a surviving CPU
    return cpu_down(k, cpu)


@handler("cpu_up")
def _cpu_up(k: Kernel, cmd: Command) -> Steps:
    cpu = _hotplug_cpu(k, cmd)
    if k.cpu(cpu)["online"]:
        raise ScriptError(f"cpu_up {cpu}: cpu{cpu} is already online")
    return cpu_up(k, cpu)


@handler("together")
def _together(k: Kernel, cmd: Command) -> Steps:
    raise ScriptError("together is read by the machine line by line, not run as a command")


@handler("end")
def _end(k: Kernel, cmd: Command) -> Steps:
    raise ScriptError("end without together")
