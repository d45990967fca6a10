// /proc tables in the kernel's own format, as read in containers on x86_64.
// Shapes copied from a real container's /proc (x86_64, topology subnet).
export const ROUTE_SUBNET = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'tun0\t0000080A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  ''
].join('\n')

// Topology p2p (OpenWISP's default): a subnet route via the peer and a host route to it.
export const ROUTE_P2P = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'tun0\t0000080A\t0200080A\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'tun0\t0200080A\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
  'eth0\t000012AC\t00000000\t0000\t0\t0\t0\t0000FFFF\t0\t0\t0'
].join('\n')

export const IPV6_ROUTE = [
  'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     tun0',
  '00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo'
].join('\n')

// A vpn namespace with IPv6 on (Engine 20.10 with a `net.ipv6.conf.all.disable_ipv6: 0`
// sysctl; Engine 26 by default), read in the demo stack: tun0 carries link-local and
// multicast routes, and the local table's own fe80 address, beside eth0's.
export const IPV6_ROUTE_LINK_LOCAL = [
  'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
  'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     tun0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
  '00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       lo',
  'fe800000000000000042c0fffea8a002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0',
  'fe80000000000000a438dfed8fdbb9b2 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001     tun0',
  'ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0',
  'ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     tun0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo'
].join('\n')

export const DEV = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
  '  tun0:    1344      16    0    0    0     0          0         0     1344      17    0    0    0     0       0          0'
].join('\n')

// The vpn's namespace in the demo stack: tun0 10.8.0.1/24, eth0 on the compose network.
export const FIB_TRIE = [
  'Main:',
  '  +-- 0.0.0.0/0 3 0 5',
  '     +-- 10.8.0.0/24 2 0 2',
  '        +-- 10.8.0.0/31 1 0 0',
  '           |-- 10.8.0.0',
  '              /24 link UNICAST',
  '           |-- 10.8.0.1',
  '              /32 host LOCAL',
  '        |-- 10.8.0.255',
  '           /32 link BROADCAST',
  '     +-- 127.0.0.0/8 2 0 2',
  '        +-- 127.0.0.0/31 1 0 0',
  '           |-- 127.0.0.0',
  '              /8 host LOCAL',
  '           |-- 127.0.0.1',
  '              /32 host LOCAL',
  'Local:',
  '  +-- 0.0.0.0/0 3 0 5',
  '     +-- 172.18.0.0/16 2 0 2',
  '        |-- 172.18.0.3',
  '           /32 host LOCAL',
  '        |-- 172.18.255.255',
  '           /32 link BROADCAST'
].join('\n')

export const IF_INET6 = [
  '00000000000000000000000000000001 01 80 10 80       lo',
  'fd000000000000000000000000000001 05 40 00 80     tun0',
  'fe80000000000000a8c5d6fffe1b2c3d 04 40 20 80     eth0'
].join('\n')
