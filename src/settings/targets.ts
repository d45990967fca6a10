// What the tunnel must carry: the management subnets and the device
// addresses to probe. A subnet or address that cannot be a device behind the
// tunnel is refused with the reason.
import ipaddr from 'ipaddr.js'
import { isPlainAddress, parseSubnet, type Subnet } from '../checks/routes.js'
import { InputError } from '../errors.js'
import { quoted } from './inputs.js'

/** The routes code parses subnets; here a bad one is the input's fault. */
export function readSubnet(value: string): Subnet {
  try {
    return parseSubnet(value)
  } catch (error) {
    throw new InputError('management-subnet', `${quoted(value)} ${(error as Error).message}`)
  }
}

/** Ranges no device's management IP on the VPN can be in, with why: a probe
 * of one is answered on this side of the tunnel (loopback, the server's own
 * link-local address) or by nobody in particular. */
const NOT_A_DEVICE: Record<string, string> = {
  linkLocal:
    "a link-local address (fe80::/10, 169.254.0.0/16): it names an interface of one host, e.g. the server's own tun0, never a device behind the tunnel",
  loopback: 'a loopback address: it is answered inside the container itself',
  multicast: 'a multicast address: it names a group, not one device',
  broadcast: 'the broadcast address: it names no one device',
  unspecified: 'the unspecified address: it names no host'
}

export function readAddress(value: string): string {
  if (!isPlainAddress(value)) {
    throw new InputError(
      'probe-targets',
      `${quoted(value)} is not an IP address. List device management IPs like 10.8.0.10.`
    )
  }
  const parsed = ipaddr.process(value)
  const why = NOT_A_DEVICE[parsed.range()]
  if (why) {
    throw new InputError(
      'probe-targets',
      `'${value}' is ${why}. List the management IPs devices get on the VPN (e.g. 10.8.0.10, from the OpenVPN server's subnet).`
    )
  }
  return ipaddr.parse(value).toString()
}
