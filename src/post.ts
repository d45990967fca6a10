// Entry point of the action's post step (action.yml `runs.post`): the
// teardown, bundled apart from main so that it loads only what it runs.
import { post } from './fronts/post.js'

await post()
