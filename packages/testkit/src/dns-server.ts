/**
 * A real DNS server on loopback (dns2, UDP) answering TXT queries from a table the test fills, so
 * domain verification (SPEC ID-2) runs through node:dns exactly as in production without asking any
 * real resolver. Names not in the table get NXDOMAIN.
 * @module
 */
import dns2 from 'dns2';

export interface TestDnsServer {
  /** `127.0.0.1:port`, for FLINT_DNS_SERVERS. */
  readonly address: string;
  /** Sets the TXT records of a name (each record one string). */
  setTxt(name: string, records: string[]): void;
  /** How many queries it has answered (a test can check the resolver really asked). */
  readonly queries: number;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const txt = new Map<string, string[]>();
  let queries = 0;
  const server = dns2.createUDPServer((request, send) => {
    queries++;
    const response = dns2.Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    const records = question !== undefined && question.type === dns2.Packet.TYPE.TXT ? txt.get(question.name.toLowerCase()) : undefined;
    if (question === undefined || records === undefined) {
      response.header.rcode = 3; // NXDOMAIN
    } else {
      for (const data of records) response.answers.push(dns2.Packet.createResourceFromQuestion(question, { ttl: 1, data }));
    }
    void send(response);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    address: `127.0.0.1:${port}`,
    setTxt: (name, records) => txt.set(name.toLowerCase(), records),
    get queries() {
      return queries;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
