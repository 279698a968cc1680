// Run: AURACONNECT_DB=sqlite:///tmp/auraconnect.db node server.mjs
import { createApp } from './app.mjs'

const { app, close } = await createApp({ database: process.env.AURACONNECT_DB ?? 'sqlite://auraconnect.db' })
const server = app.listen(Number(process.env.PORT ?? 8000))
process.once('SIGTERM', async () => {
  server.close()
  await close() // requests in flight finish; the rest wait in the database for the next start
})
