import type { FastifyInstance } from "fastify";
import { type Auth, CLIENT_IP_HEADER } from "../auth";

/** Proxy headers a client can forge; the handler gets Fastify's reading of them instead. */
const FORWARDING_HEADERS = /^(forwarded|x-forwarded-.*|x-real-ip)$/i;

/**
 * Mounts better-auth at /api/auth/* (sign-up/email, sign-in/email, sign-out, get-session…): each
 * Fastify request becomes a Web Request for its handler, and the Response is copied back, every
 * Set-Cookie header included.
 */
export async function authRoutes(app: FastifyInstance, options: { auth: Auth }) {
  const { auth } = options;
  app.route({
    method: ["GET", "POST"],
    url: "/api/auth/*",
    async handler(request, reply) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        // Fastify has judged these already (trustProxy): the URL and client address below carry the result.
        if (value === undefined || FORWARDING_HEADERS.test(name)) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      // Replaces any client-sent value: this is the address the login rate limit counts by.
      headers.set(CLIENT_IP_HEADER, request.ip);
      const url = new URL(request.url, `${request.protocol}://${request.host}`);
      const hasBody = request.method !== "GET" && request.body !== undefined && request.body !== null;
      const response = await auth.handler(
        new Request(url, {
          method: request.method,
          headers,
          ...(hasBody && { body: JSON.stringify(request.body) }),
        }),
      );
      reply.status(response.status);
      response.headers.forEach((value, name) => {
        if (name !== "set-cookie") reply.header(name, value);
      });
      // Fastify sends repeated set-cookie headers as separate lines.
      for (const cookie of response.headers.getSetCookie()) reply.header("set-cookie", cookie);
      return reply.send(response.body ? Buffer.from(await response.arrayBuffer()) : null);
    },
  });
}
