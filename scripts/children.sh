# Sourced by the scripts that start services in the background: each start
# appends its pid to `pids`; stop_children ends them all (Azurite closes its
# services on SIGTERM but its process can linger, hence the SIGKILL after 5 s).
pids=()
stop_children() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
