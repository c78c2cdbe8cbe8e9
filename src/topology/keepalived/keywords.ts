/**
 * The keywords keepalived 2.2.7 accepts in the blocks lvs-pcap reads (from its parsers'
 * install_keyword calls). A word that is none of them is what keepalived's config test calls
 * "Unknown keyword": keepalived ignores it and runs without it, which is how a typo such as
 * `persistance_timeout` silently changes a director, so lvs-pcap refuses the file instead.
 */

/** Top-level blocks and statements (keepalived's install_keyword_root). */
export const ROOT = new Set([
  'SSL', 'bfd_instance', 'child_wait_time', 'garp_group', 'global_defs', 'instance', 'interface_up_down_delays',
  'linkbeat_interfaces', 'linkbeat_use_polling', 'namespace_with_ipsets', 'net_namespace', 'net_namespace_ipvs',
  'static_ipaddress', 'static_routes', 'static_rules', 'track_file', 'track_group', 'use_pid_dir',
  'virtual_server', 'virtual_server_group', 'vrrp_instance', 'vrrp_script', 'vrrp_sync_group',
  'vrrp_track_file', 'vrrp_track_process',
]);

export const VIRTUAL_SERVER = new Set([
  'ip_family', 'retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'inhibit_on_failure',
  'lb_algo', 'lvs_sched', 'hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port',
  'mh-fallback', 'lb_kind', 'lvs_method', 'persistence_engine', 'persistence_timeout', 'persistence_granularity',
  'protocol', 'ha_suspend', 'smtp_alert', 'virtualhost', 'snmp_name', 'alpha', 'omega', 'quorum_up', 'quorum_down',
  'quorum', 'hysteresis', 'weight', 'sorry_server', 'sorry_server_inhibit', 'sorry_server_lvs_method', 'real_server',
]);

/** Health checkers: blocks inside a real_server, skipped whole. */
export const CHECKERS = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

export const REAL_SERVER = new Set([
  'weight', 'lvs_method', 'uthreshold', 'lthreshold', 'inhibit_on_failure', 'notify_up', 'notify_down', 'alpha', 'retry',
  'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'smtp_alert', 'virtualhost', 'snmp_name', ...CHECKERS,
]);

export const VRRP_INSTANCE = new Set([
  'use_vmac', 'use_vmac_addr', 'vmac_xmit_base', 'use_ipvlan', 'unicast_peer', 'unicast_fault_no_peer', 'check_unicast_src',
  'old_unicast_checksum', 'native_ipv6', 'state', 'interface', 'vrf', 'dont_track_primary', 'track_interface', 'track_script',
  'track_file', 'track_process', 'track_bfd', 'mcast_src_ip', 'unicast_src_ip', 'mcast_dst_ip', 'track_src_ip',
  'virtual_router_id', 'unicast_ttl', 'version', 'priority', 'advert_int', 'virtual_ipaddress', 'virtual_ipaddress_excluded',
  'promote_secondaries', 'linkbeat_use_polling', 'virtual_routes', 'virtual_rules', 'accept', 'no_accept',
  'skip_check_adv_addr', 'strict_mode', 'preempt', 'nopreempt', 'preempt_delay', 'debug', 'notify_backup', 'notify_master',
  'notify_fault', 'notify_stop', 'notify_deleted', 'notify', 'notify_master_rx_lower_pri', 'smtp_alert',
  'notify_priority_changes', 'lvs_sync_daemon_interface', 'garp_master_delay', 'garp_master_refresh', 'garp_master_repeat',
  'garp_master_refresh_repeat', 'garp_lower_prio_delay', 'garp_lower_prio_repeat', 'down_timer_adverts', 'garp_extra_if',
  'vmac_garp_intvl', 'lower_prio_no_advert', 'higher_prio_send_advert', 'kernel_rx_buf_size', 'authentication',
]);

/** vrrp_instance keywords whose `{ }` block lvs-pcap skips (it reads the others' blocks itself). */
export const VRRP_INSTANCE_SKIPPED_BLOCKS = new Set(['virtual_routes', 'virtual_rules']);

export const VRRP_SCRIPT = new Set(['script', 'interval', 'timeout', 'weight', 'rise', 'fall', 'user', 'init_fail']);

export const VRRP_TRACK_PROCESS = new Set(['process', 'param_match', 'weight', 'quorum', 'quorum_max', 'delay', 'terminate_delay', 'fork_delay', 'full_command']);

/** Schedulers keepalived accepts for lb_algo / lvs_sched. */
export const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']);

/** The known keyword closest to a typo (at most two edits away), for "did you mean". */
export function closest(word: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below it. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return prev[b.length]!;
}
