// UDP sockets of the PXE services, tied to the PXE interface. With the native addon a socket is
// bound to the device itself (SO_BINDTODEVICE): it hears broadcasts, and nothing that arrives on
// another interface. Without it, a unicast service (TFTP) binds the interface's address instead;
// DHCP, which must hear broadcasts, then cannot run (see dhcp-server.ts).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { nativeAddon } from '../transport/native.js';
import type { PxeInterface } from './interface.js';

export async function interfaceUdpSocket(port: number, iface: PxeInterface, onMessage: (message: Buffer, remote: RemoteInfo) => void): Promise<Socket> {
  const socket = createSocket({ type: 'udp4' });
  socket.on('message', onMessage);
  const addon = nativeAddon();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const bound = () => {
      socket.off('error', reject);
      // A send to a vanished client is not the service's failure.
      socket.on('error', () => undefined);
      resolve();
    };
    try {
      if (addon) socket.bind({ fd: addon.deviceSocket(port, iface.name) }, bound);
      else socket.bind({ port, address: iface.address, exclusive: true }, bound);
    } catch (error) {
      reject(error);
    }
  });
  return socket;
}

export function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
