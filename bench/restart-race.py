#!/usr/bin/env python3
"""
Failover when a broker dies right after another one restarted (session 16).

Three `actorlog node` processes on free loopback ports and a topic `t` (3 partitions, RF 3). Each iteration
kill -9s one broker, waits until it is out of every ISR, starts it again, and then kill -9s another broker:
  --mode random    another broker at random, 0-1.2 s after the restarted one says it is listening;
  --mode welcomer  the broker that welcomed the restarted one into the cluster, as soon as its log says so
                   (the race in which the restarted broker used to stay Joining for good: docs/design.md 37).
It prints, per iteration, how long until `topics describe` shows every partition led by a live broker with the
dead one out of its ISR ("failover"; includes ~0.5-1 s per describe, each a new CLI process), how long until all
three are back in every ISR after the dead one restarts, and how many times a broker restarted itself
(JoinWatchdog). Broker logs: bench/out/restart-race/broker-N.log.

  dotnet build -c Release src/ActorLog.Cli && python3 bench/restart-race.py --mode welcomer --iterations 10
"""
import argparse, fcntl, json, os, random, shutil, signal, socket, subprocess, sys, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.path.join(REPO, "src/ActorLog.Cli/bin/Release/net10.0/ActorLog.Cli.dll")
OUT = os.path.join(REPO, "bench/out/restart-race")


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Cluster:
    def __init__(self):
        self.ports = free_ports(3)
        self.seeds = ",".join(f"127.0.0.1:{p}" for p in self.ports)
        self.procs = {}
        self.slow_describes = []  # (seconds, why) of each describe that failed or took over 3 s

    def log(self, i):
        return os.path.join(OUT, f"broker-{i}.log")

    def start(self, i):
        with open(self.log(i), "a") as log:
            self.procs[i] = subprocess.Popen(
                ["dotnet", DLL, "node", "--broker-id", str(i), "--port", str(self.ports[i - 1]), "--seeds", self.seeds,
                 "--data-dir", os.path.join(OUT, f"data/broker-{i}")], stdout=log, stderr=subprocess.STDOUT)

    def kill(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()

    def cli(self, *args):
        return subprocess.run(["dotnet", DLL, *args, "--bootstrap", self.seeds], capture_output=True, text=True, timeout=30)

    def describe(self):
        start = time.time()
        try:
            r = self.cli("topics", "describe", "t", "--output", "json")
            if r.returncode != 0:
                self.slow_describes.append((round(time.time() - start, 1), r.stderr.strip()[-160:]))
            return json.loads(r.stdout)["partitions"] if r.returncode == 0 else None
        except (subprocess.TimeoutExpired, ValueError, KeyError) as e:
            self.slow_describes.append((round(time.time() - start, 1), type(e).__name__))
            return None
        finally:
            if time.time() - start > 3 and (not self.slow_describes or self.slow_describes[-1][0] != round(time.time() - start, 1)):
                self.slow_describes.append((round(time.time() - start, 1), "slow but answered"))

    def wait(self, condition, limit):
        start = time.time()
        while time.time() - start < limit:
            partitions = self.describe()
            if partitions and condition(partitions):
                return time.time() - start
            time.sleep(0.2)
        return None

    def welcomer(self, i, since):
        """The broker whose welcome the log of broker i shows after offset `since`, or None."""
        text = open(self.log(i)).read()[since:]
        marker = "Welcome from [akka.tcp://actorlog@127.0.0.1:"
        at = text.find(marker)
        return None if at < 0 else self.ports.index(int(text[at + len(marker):].split("]")[0])) + 1

    def self_restarts(self):
        return sum(open(self.log(i)).read().count("Starting the broker again") for i in (1, 2, 3))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["random", "welcomer"], default="random")
    parser.add_argument("--iterations", type=int, default=10)
    args = parser.parse_args()
    # One run at a time: a second would delete the first's data dirs and logs (OUT) under its running brokers.
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    lock = open(OUT + ".lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another restart-race run holds {OUT}.lock; wait for it to finish")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    cluster = Cluster()
    for i in (1, 2, 3):
        cluster.start(i)
    try:
        for _ in range(60):
            if cluster.cli("topics", "create", "t", "--partitions", "3", "--replication-factor", "3",
                           "--min-insync-replicas", "1").returncode == 0:
                break
            time.sleep(1)
        in_sync = lambda ps: all(p["leader"] > 0 and sorted(p["isr"]) == [1, 2, 3] for p in ps)
        print(f"cluster up, topic t in sync after {cluster.wait(in_sync, 60):.1f} s", flush=True)
        failovers = []
        for it in range(args.iterations):
            restarted = random.choice([1, 2, 3])
            cluster.kill(restarted)
            cluster.wait(lambda ps: all(restarted not in p["isr"] for p in ps), 60)
            since = len(open(cluster.log(restarted)).read())
            cluster.start(restarted)
            started = time.time()
            if args.mode == "random":
                while time.time() - started < 30 and "listening on" not in open(cluster.log(restarted)).read()[since:]:
                    time.sleep(0.02)
                time.sleep(random.uniform(0.0, 1.2))
                killed = random.choice([b for b in (1, 2, 3) if b != restarted])
            else:
                killed = None
                while time.time() - started < 30 and killed is None:
                    killed = cluster.welcomer(restarted, since)
                    time.sleep(0.005)
                killed = killed or random.choice([b for b in (1, 2, 3) if b != restarted])
            after = time.time() - started
            cluster.kill(killed)
            failover = cluster.wait(lambda ps: all(p["leader"] > 0 and p["leader"] != killed and killed not in p["isr"] for p in ps), 120)
            cluster.start(killed)
            back = cluster.wait(in_sync, 120)
            failovers.append(failover if failover is not None else float("inf"))
            for took, why in cluster.slow_describes:
                print(f"   describe took {took} s: {why}", flush=True)
            cluster.slow_describes.clear()
            print(f"{it}: restarted {restarted}, killed {killed} {after:.2f} s after its start: failover "
                  f"{'none in 120' if failover is None else f'{failover:.1f}'} s, all in sync again "
                  f"{'none in 120' if back is None else f'{back:.1f}'} s later; self-restarts so far {cluster.self_restarts()}", flush=True)
        ordered = sorted(failovers)
        if ordered:
            print(f"failover: median {ordered[len(ordered) // 2]:.1f} s, max {ordered[-1]:.1f} s over {len(ordered)} iterations", flush=True)
    finally:
        for i in list(cluster.procs):
            if cluster.procs[i].poll() is None:
                cluster.kill(i)


if __name__ == "__main__":
    main()
